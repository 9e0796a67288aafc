//! Read-only lists added for the account view: Functions namespaces (`/v2/functions/namespaces`, one
//! unpaginated list) and reserved IPs (`/v2/reserved_ips`, paginated), filled by `/_sandbox/seed`.

use serde_json::{Value, json};

use super::route::{Family, Method, Route};
use super::{Ctx, paged};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtrasRoute {
    FunctionsNamespaces,
    ReservedIps,
}

pub const FAMILY: Family = Family {
    templates: &["/v2/functions/namespaces", "/v2/reserved_ips"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/functions/namespaces", []) => ExtrasRoute::FunctionsNamespaces,
        (Method::Get, "/v2/reserved_ips", []) => ExtrasRoute::ReservedIps,
        _ => return None,
    };
    Some(Route::Extras(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &ExtrasRoute,
) -> Result<Response, ApiError> {
    let data = &state.data;
    match route {
        // The API lists every namespace at once: no page parameters, no links, no meta.
        ExtrasRoute::FunctionsNamespaces => Ok(Response::json(
            200,
            &json!({ "namespaces": data.functions_namespaces }),
        )),
        ExtrasRoute::ReservedIps => {
            let items: Vec<Value> = data.reserved_ips.clone();
            Ok(paged(ctx, req, "reserved_ips", items))
        }
    }
}
