//! `/v2/firewalls`: create (202, `waiting`), get, full replace (PUT), delete, and the `/droplets`,
//! `/tags` and `/rules` sub-resources (204, no body); `/v2/droplets/{id}/firewalls` lists the firewalls
//! that apply to a droplet.

use serde_json::Value;

use super::route::{Family, Method, Route, id};
use super::{Ctx, json_body, net, no_content, one, paged, wrapped};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::state::{FirewallPart, FirewallSpec, Rule, State, Targets};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FirewallRoute {
    List,
    Create,
    Get(String),
    Replace(String),
    Delete(String),
    /// (firewall id, part, add)
    Part(String, PartKind, bool),
    OfDroplet(u64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    Droplets,
    Tags,
    Rules,
}

pub const FAMILY: Family = Family {
    templates: &[
        "/v2/firewalls",
        "/v2/firewalls/{id}",
        "/v2/firewalls/{id}/droplets",
        "/v2/firewalls/{id}/tags",
        "/v2/firewalls/{id}/rules",
        "/v2/droplets/{id}/firewalls",
    ],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let part = |t: &str| match t {
        "/v2/firewalls/{id}/droplets" => Some(PartKind::Droplets),
        "/v2/firewalls/{id}/tags" => Some(PartKind::Tags),
        "/v2/firewalls/{id}/rules" => Some(PartKind::Rules),
        _ => None,
    };
    let route = match (method, template, params) {
        (Method::Get, "/v2/firewalls", []) => FirewallRoute::List,
        (Method::Post, "/v2/firewalls", []) => FirewallRoute::Create,
        (Method::Get, "/v2/firewalls/{id}", [f]) => FirewallRoute::Get(f.clone()),
        (Method::Put, "/v2/firewalls/{id}", [f]) => FirewallRoute::Replace(f.clone()),
        (Method::Delete, "/v2/firewalls/{id}", [f]) => FirewallRoute::Delete(f.clone()),
        (Method::Get, "/v2/droplets/{id}/firewalls", [d]) => FirewallRoute::OfDroplet(id(d)?),
        (Method::Post | Method::Delete, t, [f]) => {
            FirewallRoute::Part(f.clone(), part(t)?, method == Method::Post)
        }
        _ => return None,
    };
    Some(Route::Firewalls(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &FirewallRoute,
) -> Result<Response, ApiError> {
    let get = |state: &State, id: &str| state.firewall(id).cloned().ok_or_else(ApiError::not_found);
    match route {
        FirewallRoute::List => Ok(paged(ctx, req, "firewalls", state.data.firewalls.clone())),
        FirewallRoute::Create => {
            let spec = firewall_spec(&json_body(req)?)?;
            let id = state.create_firewall(&spec, ctx.now_ms).map_err(net)?;
            Ok(wrapped(202, "firewall", get(state, &id)?))
        }
        FirewallRoute::Get(id) => Ok(one("firewall", get(state, id)?)),
        FirewallRoute::Replace(id) => {
            get(state, id)?;
            let spec = firewall_spec(&json_body(req)?)?;
            state.replace_firewall(id, &spec, ctx.now_ms).map_err(net)?;
            Ok(one("firewall", get(state, id)?))
        }
        FirewallRoute::Delete(id) if state.delete_firewall(id) => Ok(no_content()),
        FirewallRoute::Delete(_) => Err(ApiError::not_found()),
        FirewallRoute::Part(id, kind, add) => {
            get(state, id)?;
            let body = json_body(req)?;
            let part = match kind {
                PartKind::Droplets => FirewallPart::Droplets(numbers(&body, "droplet_ids", true)?),
                PartKind::Tags => FirewallPart::Tags(strings(&body, "tags", true)?),
                PartKind::Rules => {
                    let inbound = rules(&body, "inbound_rules", "sources")?;
                    let outbound = rules(&body, "outbound_rules", "destinations")?;
                    if inbound.is_empty() && outbound.is_empty() {
                        return Err(ApiError::unprocessable(
                            "inbound_rules or outbound_rules is required",
                        ));
                    }
                    FirewallPart::Rules { inbound, outbound }
                }
            };
            state
                .edit_firewall(id, &part, *add, ctx.now_ms)
                .map_err(net)?;
            Ok(no_content())
        }
        FirewallRoute::OfDroplet(d) if state.has_droplet(*d) => {
            Ok(paged(ctx, req, "firewalls", state.firewalls_of_droplet(*d)))
        }
        FirewallRoute::OfDroplet(_) => Err(ApiError::not_found()),
    }
}

/// A create or PUT body. What is left out is empty, as a PUT leaves it.
fn firewall_spec(body: &Value) -> Result<FirewallSpec, ApiError> {
    let name = match body.get("name") {
        Some(Value::String(s)) => s.clone(),
        _ => return Err(ApiError::unprocessable("name is required")),
    };
    Ok(FirewallSpec {
        name,
        inbound: rules(body, "inbound_rules", "sources")?,
        outbound: rules(body, "outbound_rules", "destinations")?,
        droplet_ids: numbers(body, "droplet_ids", false)?,
        tags: strings(body, "tags", false)?,
    })
}

fn rules(body: &Value, key: &str, side: &str) -> Result<Vec<Rule>, ApiError> {
    let list = match body.get(key) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(a)) => a,
        Some(_) => return Err(ApiError::unprocessable(format!("{key} must be an array"))),
    };
    list.iter()
        .map(|r| {
            let protocol = match r.get("protocol") {
                Some(Value::String(p)) => p.clone(),
                _ => {
                    return Err(ApiError::unprocessable(format!(
                        "{key}: protocol is required"
                    )));
                }
            };
            // A number is refused like the API refuses it: ports is a string.
            let ports = match r.get("ports") {
                Some(Value::String(p)) => p.clone(),
                None | Some(Value::Null) if protocol == "icmp" => "0".into(),
                Some(Value::Number(_)) => {
                    return Err(ApiError::unprocessable(format!(
                        "{key}: ports must be a string"
                    )));
                }
                _ => return Err(ApiError::unprocessable(format!("{key}: ports is required"))),
            };
            let t = match r.get(side) {
                Some(t @ Value::Object(_)) => t,
                _ => {
                    return Err(ApiError::unprocessable(format!(
                        "{key}: {side} is required"
                    )));
                }
            };
            Ok(Rule {
                protocol,
                ports,
                targets: Targets {
                    addresses: strings(t, "addresses", false)?,
                    droplet_ids: numbers(t, "droplet_ids", false)?,
                    load_balancer_uids: strings(t, "load_balancer_uids", false)?,
                    kubernetes_ids: strings(t, "kubernetes_ids", false)?,
                    tags: strings(t, "tags", false)?,
                },
            })
        })
        .collect()
}

fn strings(v: &Value, key: &str, required: bool) -> Result<Vec<String>, ApiError> {
    match v.get(key) {
        None | Some(Value::Null) if !required => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(String::from)
                    .ok_or_else(|| ApiError::unprocessable(format!("{key} must hold strings")))
            })
            .collect(),
        _ => Err(ApiError::unprocessable(format!(
            "{key} must be an array of strings"
        ))),
    }
}

fn numbers(v: &Value, key: &str, required: bool) -> Result<Vec<u64>, ApiError> {
    match v.get(key) {
        None | Some(Value::Null) if !required => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_u64()
                    .ok_or_else(|| ApiError::unprocessable(format!("{key} must hold integers")))
            })
            .collect(),
        _ => Err(ApiError::unprocessable(format!(
            "{key} must be an array of integers"
        ))),
    }
}
