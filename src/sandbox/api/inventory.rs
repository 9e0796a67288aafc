//! Read-only lists of the account's other resources (databases, VPCs, load balancers), filled by
//! `/_sandbox/seed`. Firewalls, domains, projects and reserved IPs have files of their own.

use serde_json::{Value, json};

use super::route::{Family, Method, Route};
use super::{Ctx, paged};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InventoryRoute {
    Databases,
    Vpcs,
    LoadBalancers,
}

pub const FAMILY: Family = Family {
    templates: &["/v2/databases", "/v2/vpcs", "/v2/load_balancers"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    if method != Method::Get {
        return None;
    }
    let route = match (template, params) {
        ("/v2/databases", []) => InventoryRoute::Databases,
        ("/v2/vpcs", []) => InventoryRoute::Vpcs,
        ("/v2/load_balancers", []) => InventoryRoute::LoadBalancers,
        _ => return None,
    };
    Some(Route::Inventory(route))
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
        InventoryRoute::Vpcs => Ok(paged(ctx, req, "vpcs", data.vpcs.clone())),
        InventoryRoute::LoadBalancers => Ok(paged(
            ctx,
            req,
            "load_balancers",
            data.load_balancers.clone(),
        )),
    }
}
