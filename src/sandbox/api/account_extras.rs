//! A read-only list added for the account view: Functions namespaces (`/v2/functions/namespaces`, one
//! unpaginated list), filled by `/_sandbox/seed`.

use serde_json::json;

use super::Ctx;
use super::route::{Family, Method, Route};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtrasRoute {
    FunctionsNamespaces,
}

pub const FAMILY: Family = Family {
    templates: &["/v2/functions/namespaces"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/functions/namespaces", []) => ExtrasRoute::FunctionsNamespaces,
        _ => return None,
    };
    Some(Route::Extras(route))
}

pub fn handle(
    state: &mut State,
    _ctx: &Ctx,
    _req: &Request,
    route: &ExtrasRoute,
) -> Result<Response, ApiError> {
    let data = &state.data;
    match route {
        // The API lists every namespace at once: no page parameters, no links, no meta.
        ExtrasRoute::FunctionsNamespaces => Ok(Response::json(
            200,
            &json!({ "namespaces": data.functions_namespaces }),
        )),
    }
}
