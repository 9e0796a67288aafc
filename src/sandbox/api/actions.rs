//! Actions: starting one on a droplet (`POST /v2/droplets/{id}/actions`, body read into a typed
//! `DropletAction`) and reading them back, per droplet or account-wide.

use serde_json::Value;

use super::route::{Family, Method, Route, id};
use super::{Ctx, json_body, one, paged, wrapped};
use crate::sandbox::catalogue;
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::render;
use crate::sandbox::state::{ActionError, DropletAction, State};
use crate::sandbox::validate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionRoute {
    Start(u64),
    ListForDroplet(u64),
    /// (droplet id, action id)
    GetForDroplet(u64, u64),
    List,
    Get(u64),
}

pub const FAMILY: Family = Family {
    templates: &[
        "/v2/droplets/{id}/actions",
        "/v2/droplets/{id}/actions/{id}",
        "/v2/actions",
        "/v2/actions/{id}",
    ],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Post, "/v2/droplets/{id}/actions", [d]) => ActionRoute::Start(id(d)?),
        (Method::Get, "/v2/droplets/{id}/actions", [d]) => ActionRoute::ListForDroplet(id(d)?),
        (Method::Get, _, [d, a]) => ActionRoute::GetForDroplet(id(d)?, id(a)?),
        (Method::Get, "/v2/actions", []) => ActionRoute::List,
        (Method::Get, "/v2/actions/{id}", [a]) => ActionRoute::Get(id(a)?),
        _ => return None,
    };
    Some(Route::Actions(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &ActionRoute,
) -> Result<Response, ApiError> {
    let of_droplet = |state: &State, droplet: u64| -> Vec<Value> {
        let all = state.data.actions.values();
        all.filter(|a| a.resource_id == droplet)
            .map(render::action)
            .collect()
    };
    match *route {
        ActionRoute::Start(droplet) if state.has_droplet(droplet) => {
            start(state, ctx, req, droplet)
        }
        ActionRoute::ListForDroplet(droplet) if state.has_droplet(droplet) => {
            Ok(paged(ctx, req, "actions", of_droplet(state, droplet)))
        }
        ActionRoute::GetForDroplet(droplet, action) => match state.data.actions.get(&action) {
            Some(a) if a.resource_id == droplet && state.has_droplet(droplet) => {
                Ok(one("action", render::action(a)))
            }
            _ => Err(ApiError::not_found()),
        },
        ActionRoute::List => {
            let items = state.data.actions.values().map(render::action).collect();
            Ok(paged(ctx, req, "actions", items))
        }
        ActionRoute::Get(action) => state
            .data
            .actions
            .get(&action)
            .map(|a| one("action", render::action(a)))
            .ok_or_else(ApiError::not_found),
        ActionRoute::Start(_) | ActionRoute::ListForDroplet(_) => Err(ApiError::not_found()),
    }
}

fn start(state: &mut State, ctx: &Ctx, req: &Request, droplet: u64) -> Result<Response, ApiError> {
    let body = json_body(req)?;
    let kind = match body.get("type") {
        Some(Value::String(s)) => s.clone(),
        Some(_) => return Err(ApiError::unprocessable("type must be a string")),
        None => return Err(ApiError::unprocessable("type is required")),
    };
    // A locked droplet is reported before a malformed body, as the sandbox always has.
    let action = parse_action(&kind, &body);
    state.ensure_unlocked(droplet).map_err(refusal)?;
    let action_id = state
        .droplet_action(droplet, &action?, ctx.now_ms)
        .map_err(refusal)?;
    let a = state
        .data
        .actions
        .get(&action_id)
        .map(render::action)
        .unwrap_or(Value::Null);
    Ok(wrapped(201, "action", a))
}

/// Reads an action body of the given `type` into a typed action.
fn parse_action(kind: &str, body: &Value) -> Result<DropletAction, ApiError> {
    if let Some(simple) = DropletAction::simple(kind) {
        return Ok(simple);
    }
    match kind {
        "resize" => {
            let Some(Value::String(slug)) = body.get("size") else {
                return Err(ApiError::unprocessable(
                    "resize requires a size slug in \"size\"",
                ));
            };
            let disk = match body.get("disk") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(ApiError::unprocessable("disk must be a boolean")),
            };
            let size = catalogue::size(slug).ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "You specified an invalid size for Droplet resize: {slug:?} is not a known size."
                ))
            })?;
            Ok(DropletAction::Resize { size, disk })
        }
        "rename" => {
            let Some(Value::String(name)) = body.get("name") else {
                return Err(ApiError::unprocessable(
                    "rename requires a new name in \"name\"",
                ));
            };
            // The API declares no pattern for rename; the droplet-name rule still applies so a
            // renamed droplet stays findable by the name filter.
            validate::droplet_name(name).map_err(ApiError::unprocessable)?;
            Ok(DropletAction::Rename { name: name.clone() })
        }
        "enable_private_networking"
        | "restore"
        | "password_reset"
        | "rebuild"
        | "change_kernel"
        | "snapshot"
        | "change_backup_policy" => Err(ApiError::unprocessable(format!(
            "Droplet action type {kind:?} is not supported by the sandbox."
        ))),
        // `disable_ipv6` lands here too: the API has no way back once IPv6 is on.
        other => Err(ApiError::unprocessable(format!(
            "Unknown droplet action type {other:?}."
        ))),
    }
}

/// The answer to an action the state refused.
fn refusal(e: ActionError) -> ApiError {
    let message = match e {
        ActionError::NoSuchDroplet => return ApiError::not_found(),
        ActionError::Locked => {
            "Droplet already has a pending event: wait for the running action to complete.".into()
        }
        ActionError::StillNew => {
            "Droplet is still being created: wait for it to become active.".into()
        }
        ActionError::SizeNotInRegion { size, region } => {
            format!("Size {size} is not available in region {region}.")
        }
        ActionError::NotPoweredOff => {
            "Droplet must be powered off before it can be resized.".into()
        }
        ActionError::DiskTooSmall {
            size,
            size_disk,
            droplet_disk,
        } => format!(
            "Cannot resize to {size}: its disk ({size_disk} GB) is smaller than the Droplet's disk ({droplet_disk} GB)."
        ),
    };
    ApiError::unprocessable(message)
}
