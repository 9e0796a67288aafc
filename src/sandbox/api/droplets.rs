//! `/v2/droplets` and `/v2/droplets/{id}`: list (with the tag, name and GPU filters), create, show
//! and delete.

use serde_json::{Value, json};

use super::route::{Family, Method, Route, id};
use super::{Ctx, create, json_body, no_content, one};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::paginate::PageRequest;
use crate::sandbox::render;
use crate::sandbox::state::State;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DropletRoute {
    List,
    Create,
    /// `DELETE /v2/droplets?tag_name=`: the only delete on the collection.
    DeleteByTag,
    Get(u64),
    Delete(u64),
}

pub const FAMILY: Family = Family {
    templates: &["/v2/droplets", "/v2/droplets/{id}"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/droplets", []) => DropletRoute::List,
        (Method::Post, "/v2/droplets", []) => DropletRoute::Create,
        (Method::Delete, "/v2/droplets", []) => DropletRoute::DeleteByTag,
        (Method::Get, _, [d]) => DropletRoute::Get(id(d)?),
        (Method::Delete, _, [d]) => DropletRoute::Delete(id(d)?),
        _ => return None,
    };
    Some(Route::Droplets(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &DropletRoute,
) -> Result<Response, ApiError> {
    match *route {
        DropletRoute::List => list(state, ctx, req),
        DropletRoute::Create => create(state, ctx, req),
        DropletRoute::DeleteByTag => {
            let Some(tag) = req.query_param("tag_name") else {
                return Err(ApiError::bad_request(
                    "DELETE /v2/droplets needs a tag_name query parameter (delete by tag).",
                ));
            };
            state.delete_by_tag(&tag);
            Ok(no_content())
        }
        DropletRoute::Get(id) if state.has_droplet(id) => {
            Ok(one("droplet", render::droplet_value(state, id)))
        }
        DropletRoute::Delete(id) if state.delete_droplet(id) => Ok(no_content()),
        DropletRoute::Get(_) | DropletRoute::Delete(_) => Err(ApiError::not_found()),
    }
}

/// One page of an id set, plus the set's size.
fn page_of(ids: impl Iterator<Item = u64>, page: &PageRequest) -> (usize, Vec<u64>) {
    let all: Vec<u64> = ids.collect();
    let slice = all
        .iter()
        .skip(page.offset())
        .take(page.per_page)
        .copied()
        .collect();
    (all.len(), slice)
}

fn list(state: &mut State, ctx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let pairs = req.query_pairs();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let (tag, name, kind) = (get("tag_name"), get("name"), get("type"));
    if tag.is_some() && (name.is_some() || kind.is_some()) {
        return Err(ApiError::unprocessable(
            "tag_name cannot be combined with name or type.",
        ));
    }
    let gpus = match kind.as_deref() {
        None | Some("droplets") => false,
        Some("gpus") => true,
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "type must be droplets or gpus, not {other:?}"
            )));
        }
    };
    let page = PageRequest::from_query(&pairs);
    let (total, ids) = if let Some(tag) = &tag {
        let set = state.droplet_ids_by_tag(tag);
        page_of(set.into_iter().flatten().copied(), &page)
    } else if let Some(name) = &name {
        let set = state.droplet_ids_by_name(name).into_iter().flatten();
        page_of(set.copied().filter(|id| state.is_gpu(*id) == gpus), &page)
    } else if gpus {
        page_of(state.gpu_ids().iter().copied(), &page)
    } else {
        let all = state.data.droplets.keys().copied();
        page_of(all.filter(|id| !state.is_gpu(*id)), &page)
    };
    // Droplets are copied as cached JSON text: a 200-droplet page is never re-serialized.
    let public_ip = state.settings.public_ip;
    let mut body = String::with_capacity(ids.len() * 3200 + 512);
    body.push_str("{\"droplets\":[");
    for (i, id) in ids.iter().enumerate() {
        if let Some(d) = state.data.droplets.get_mut(id) {
            if i > 0 {
                body.push(',');
            }
            body.push_str(render::droplet(d, public_ip));
        }
    }
    body.push_str("],\"links\":");
    body.push_str(
        &page
            .links(ctx.base_url, &req.path, &pairs, total)
            .to_string(),
    );
    body.push_str(&format!(",\"meta\":{{\"total\":{total}}}}}"));
    Ok(Response::json_bytes(200, body.into_bytes()))
}

fn create(state: &mut State, ctx: &Ctx, req: &Request) -> Result<Response, ApiError> {
    let body = json_body(req)?;
    let (shape, spec) = create::parse(state, &body)?;
    let created = state.create_droplets(&spec, ctx.now_ms);
    let links: Vec<Value> = created
        .iter()
        .map(|(_, a)| json!({"id": a, "rel": "create", "href": format!("{}/v2/actions/{a}", ctx.base_url)}))
        .collect();
    let droplets: Vec<Value> = created
        .iter()
        .map(|(id, _)| render::droplet_value(state, *id))
        .collect();
    let body = match shape {
        create::Shape::Single => json!({
            "droplet": droplets.into_iter().next().unwrap_or(Value::Null),
            "links": {"actions": links},
        }),
        create::Shape::Multi => json!({"droplets": droplets, "links": {"actions": links}}),
    };
    Ok(Response::json(202, &body))
}
