//! `/v2/reserved_ips`: list, create (202), get, delete, and the `assign` / `unassign` actions (201,
//! answered as `assign_ip` / `unassign_ip` actions; the address is locked until they complete).

use serde_json::{Value, json};

use super::route::{Family, Method, Route, id};
use super::{Ctx, json_body, net, no_content, one, paged, wrapped};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::render;
use crate::sandbox::state::{IpAction, State};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReservedIpRoute {
    List,
    Create,
    Get(String),
    Delete(String),
    Act(String),
    Actions(String),
    Action(String, u64),
}

pub const FAMILY: Family = Family {
    templates: &[
        "/v2/reserved_ips",
        "/v2/reserved_ips/{id}",
        "/v2/reserved_ips/{id}/actions",
        "/v2/reserved_ips/{id}/actions/{id}",
    ],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/reserved_ips", []) => ReservedIpRoute::List,
        (Method::Post, "/v2/reserved_ips", []) => ReservedIpRoute::Create,
        (Method::Get, "/v2/reserved_ips/{id}", [ip]) => ReservedIpRoute::Get(ip.clone()),
        (Method::Delete, "/v2/reserved_ips/{id}", [ip]) => ReservedIpRoute::Delete(ip.clone()),
        (Method::Post, "/v2/reserved_ips/{id}/actions", [ip]) => ReservedIpRoute::Act(ip.clone()),
        (Method::Get, "/v2/reserved_ips/{id}/actions", [ip]) => {
            ReservedIpRoute::Actions(ip.clone())
        }
        (Method::Get, _, [ip, a]) => ReservedIpRoute::Action(ip.clone(), id(a)?),
        _ => return None,
    };
    Some(Route::ReservedIps(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &ReservedIpRoute,
) -> Result<Response, ApiError> {
    let actions_of = |state: &State, ip: &str| -> Vec<Value> {
        (state.data.actions.values())
            .filter(|a| a.kind.ends_with("_ip") && a.params["ip"] == ip)
            .map(render::action)
            .collect()
    };
    match route {
        ReservedIpRoute::List => {
            let items = (0..state.data.reserved_ips.len())
                .map(|i| render_ip(state, i))
                .collect();
            Ok(paged(ctx, req, "reserved_ips", items))
        }
        ReservedIpRoute::Create => {
            let body = json_body(req)?;
            let droplet = body.get("droplet_id").and_then(Value::as_u64);
            let region = body.get("region").and_then(Value::as_str);
            let (ip, action) = state
                .create_reserved_ip(region, droplet, ctx.now_ms)
                .map_err(net)?;
            let links = match (droplet, action) {
                (Some(d), Some(a)) => json!({
                    "droplets": [{"id": d, "rel": "droplet", "href": format!("{}/v2/droplets/{d}", ctx.base_url)}],
                    "actions": [{"id": a, "rel": "assign_ip", "href": format!("{}/v2/actions/{a}", ctx.base_url)}],
                }),
                _ => json!({}),
            };
            let value = render_one(state, &ip)?;
            Ok(Response::json(
                202,
                &json!({"reserved_ip": value, "links": links}),
            ))
        }
        ReservedIpRoute::Get(ip) => Ok(one("reserved_ip", render_one(state, ip)?)),
        ReservedIpRoute::Delete(ip) => {
            state.delete_reserved_ip(ip).map_err(net)?;
            Ok(no_content())
        }
        ReservedIpRoute::Act(ip) => {
            state.reserved_ip(ip).ok_or_else(ApiError::not_found)?;
            let body = json_body(req)?;
            let action = match body.get("type").and_then(Value::as_str) {
                Some("assign") => IpAction::Assign {
                    droplet_id: body.get("droplet_id").and_then(Value::as_u64).ok_or_else(
                        || ApiError::unprocessable("droplet_id is required to assign"),
                    )?,
                },
                Some("unassign") => IpAction::Unassign,
                _ => return Err(ApiError::unprocessable("type must be assign or unassign")),
            };
            let id = state
                .reserved_ip_action(ip, action, ctx.now_ms)
                .map_err(net)?;
            let mut a = state
                .data
                .actions
                .get(&id)
                .map(render::action)
                .unwrap_or(Value::Null);
            a["project_id"] = json!(state.project_of(&format!("do:floatingip:{ip}")));
            Ok(wrapped(201, "action", a))
        }
        ReservedIpRoute::Actions(ip) => {
            state.reserved_ip(ip).ok_or_else(ApiError::not_found)?;
            Ok(paged(ctx, req, "actions", actions_of(state, ip)))
        }
        ReservedIpRoute::Action(ip, aid) => {
            let found = state
                .data
                .actions
                .get(aid)
                .filter(|a| a.kind.ends_with("_ip") && a.params["ip"] == ip.as_str());
            found
                .map(|a| one("action", render::action(a)))
                .ok_or_else(ApiError::not_found)
        }
    }
}

fn render_one(state: &mut State, ip: &str) -> Result<Value, ApiError> {
    let i = (state.data.reserved_ips.iter())
        .position(|r| r["ip"] == ip)
        .ok_or_else(ApiError::not_found)?;
    Ok(render_ip(state, i))
}

/// The stored address with its droplet rendered in full and its project filled in.
fn render_ip(state: &mut State, index: usize) -> Value {
    let mut v = state.data.reserved_ips[index].clone();
    v["droplet"] = match state.reserved_ip_droplet(&v) {
        Some(d) if state.has_droplet(d) => render::droplet_value(state, d),
        _ => Value::Null,
    };
    let ip = v["ip"].as_str().unwrap_or_default().to_string();
    v["project_id"] = json!(state.project_of(&format!("do:floatingip:{ip}")));
    v
}
