//! `/v2/tags`: the tag registry, and tagging or untagging droplets through `/resources`.

use serde_json::{Value, json};

use super::route::{Family, Method, Route};
use super::{Ctx, json_body, no_content, one, paged, str_field};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::render;
use crate::sandbox::state::State;
use crate::sandbox::validate;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagRoute {
    List,
    Create,
    Get(String),
    /// Adds the tag to the droplets of the body.
    Tag(String),
    /// Removes the tag from the droplets of the body.
    Untag(String),
}

pub const FAMILY: Family = Family {
    templates: &["/v2/tags", "/v2/tags/{id}", "/v2/tags/{id}/resources"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/tags", []) => TagRoute::List,
        (Method::Post, "/v2/tags", []) => TagRoute::Create,
        (Method::Get, "/v2/tags/{id}", [t]) => TagRoute::Get(t.clone()),
        (Method::Post, "/v2/tags/{id}/resources", [t]) => TagRoute::Tag(t.clone()),
        (Method::Delete, "/v2/tags/{id}/resources", [t]) => TagRoute::Untag(t.clone()),
        _ => return None,
    };
    Some(Route::Tags(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &TagRoute,
) -> Result<Response, ApiError> {
    match route {
        TagRoute::List => {
            let tags = state.data.tags.iter();
            let items = tags.map(|t| render::tag(state, t, ctx.base_url)).collect();
            Ok(paged(ctx, req, "tags", items))
        }
        TagRoute::Create => {
            let name = str_field(&json_body(req)?, "name")?;
            if let Err(msg) = validate::tag_name(&name) {
                // The one endpoint whose errors have the `{error, messages, root_causes}` shape.
                return Ok(Response::json(
                    400,
                    &json!({"error": msg, "messages": null, "root_causes": [msg]}),
                ));
            }
            state.data.tags.insert(name.clone());
            Ok(Response::json(
                201,
                &json!({"tag": render::tag(state, &name, ctx.base_url)}),
            ))
        }
        TagRoute::Get(tag) if state.data.tags.contains(tag) => {
            Ok(one("tag", render::tag(state, tag, ctx.base_url)))
        }
        TagRoute::Tag(tag) | TagRoute::Untag(tag) if state.data.tags.contains(tag) => {
            let ids = tagged_droplet_ids(state, &json_body(req)?)?;
            state.retag_droplets(tag, &ids, matches!(route, TagRoute::Tag(_)));
            Ok(no_content())
        }
        TagRoute::Get(_) | TagRoute::Tag(_) | TagRoute::Untag(_) => Err(ApiError::not_found()),
    }
}

/// The droplet ids of a `{"resources": [{"resource_id": "42", "resource_type": "droplet"}]}` body.
/// The API makes `resource_id` a string even for droplets; only droplets are stored here, so other
/// types are refused. Each entry is checked in turn, so the first bad one decides the answer.
fn tagged_droplet_ids(state: &State, body: &Value) -> Result<Vec<u64>, ApiError> {
    let Some(resources) = body.get("resources").and_then(Value::as_array) else {
        return Err(ApiError::unprocessable(
            "resources is required and must be an array",
        ));
    };
    if resources.is_empty() {
        return Err(ApiError::unprocessable("resources must not be empty"));
    }
    let mut ids = Vec::new();
    for r in resources {
        let kind = r.get("resource_type").and_then(Value::as_str).unwrap_or("");
        if kind != "droplet" {
            return Err(ApiError::unprocessable(format!(
                "resource_type `{kind}` is not supported by the sandbox; only droplet is"
            )));
        }
        let Some(id) = r
            .get("resource_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<u64>().ok())
        else {
            return Err(ApiError::unprocessable(
                "resource_id must be the droplet id as a string",
            ));
        };
        if !state.has_droplet(id) {
            return Err(ApiError::not_found());
        }
        ids.push(id);
    }
    Ok(ids)
}
