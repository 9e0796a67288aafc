//! Read-only lists of the account's other resources (databases, firewalls, VPCs, domains and their
//! records, projects, load balancers), filled by `/_sandbox/seed`.

use serde_json::{Value, json};

use super::route::{Family, Method, Route};
use super::{Ctx, one, paged};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::model::Domain;
use crate::sandbox::render;
use crate::sandbox::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryRoute {
    Databases,
    Firewalls,
    Vpcs,
    Projects,
    LoadBalancers,
    Domains,
    Domain(String),
    DomainRecords(String),
}

pub const FAMILY: Family = Family {
    templates: &[
        "/v2/databases",
        "/v2/firewalls",
        "/v2/vpcs",
        "/v2/domains",
        "/v2/domains/{id}",
        "/v2/domains/{id}/records",
        "/v2/projects",
        "/v2/load_balancers",
    ],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    if method != Method::Get {
        return None;
    }
    let route = match (template, params) {
        ("/v2/databases", []) => InventoryRoute::Databases,
        ("/v2/firewalls", []) => InventoryRoute::Firewalls,
        ("/v2/vpcs", []) => InventoryRoute::Vpcs,
        ("/v2/projects", []) => InventoryRoute::Projects,
        ("/v2/load_balancers", []) => InventoryRoute::LoadBalancers,
        ("/v2/domains", []) => InventoryRoute::Domains,
        ("/v2/domains/{id}", [d]) => InventoryRoute::Domain(d.clone()),
        ("/v2/domains/{id}/records", [d]) => InventoryRoute::DomainRecords(d.clone()),
        _ => return None,
    };
    Some(Route::Inventory(route))
}

fn domain<'a>(state: &'a State, name: &str) -> Result<&'a Domain, ApiError> {
    let mut all = state.data.domains.iter();
    all.find(|d| d.name.eq_ignore_ascii_case(name))
        .ok_or_else(ApiError::not_found)
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &InventoryRoute,
) -> Result<Response, ApiError> {
    let data = &state.data;
    match route {
        InventoryRoute::Databases => {
            // Not paginated by the API: no links, no meta.
            let tag = req.query_param("tag_name");
            let items: Vec<&Value> = data
                .databases
                .iter()
                .filter(|d| {
                    tag.as_ref().is_none_or(|t| {
                        d["tags"]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|x| x == t.as_str()))
                    })
                })
                .collect();
            Ok(Response::json(200, &json!({ "databases": items })))
        }
        InventoryRoute::Firewalls => Ok(paged(ctx, req, "firewalls", data.firewalls.clone())),
        InventoryRoute::Vpcs => Ok(paged(ctx, req, "vpcs", data.vpcs.clone())),
        InventoryRoute::Projects => Ok(paged(ctx, req, "projects", data.projects.clone())),
        InventoryRoute::LoadBalancers => Ok(paged(
            ctx,
            req,
            "load_balancers",
            data.load_balancers.clone(),
        )),
        InventoryRoute::Domains => {
            let items = data.domains.iter().map(render::domain).collect();
            Ok(paged(ctx, req, "domains", items))
        }
        InventoryRoute::Domain(name) => Ok(one("domain", render::domain(domain(state, name)?))),
        InventoryRoute::DomainRecords(name) => {
            let d = domain(state, name)?;
            let name = req.query_param("name");
            let kind = req.query_param("type");
            let items = d
                .records
                .iter()
                .filter(|r| {
                    // `name` is the fully qualified record name; "@" records are the apex.
                    let fq = match r["name"].as_str() {
                        Some("@") | None => d.name.clone(),
                        Some(n) => format!("{n}.{}", d.name),
                    };
                    name.as_ref().is_none_or(|n| n.eq_ignore_ascii_case(&fq))
                        && kind.as_ref().is_none_or(|k| r["type"] == k.as_str())
                })
                .cloned()
                .collect();
            Ok(paged(ctx, req, "domain_records", items))
        }
    }
}
