//! The `/v2/` routes: matching a path to its route template and answering each endpoint.

use serde_json::{Value, json};

use super::catalogue::{IMAGES, REGIONS, SIZES};
use super::create::{self, Shape};
use super::error::ApiError;
use super::http::{Request, Response};
use super::paginate::PageRequest;
use super::render;
use super::state::State;
use super::validate;

/// Per-request context.
pub struct Ctx<'a> {
    /// Scheme, host and port the client used (absolute links are built from it).
    pub base_url: &'a str,
    pub now_ms: i64,
}

const ROUTES: &[&str] = &[
    "/v2/droplets",
    "/v2/droplets/{id}",
    "/v2/droplets/{id}/actions",
    "/v2/droplets/{id}/actions/{id}",
    "/v2/actions",
    "/v2/actions/{id}",
    "/v2/account",
    "/v2/account/keys",
    "/v2/account/keys/{id}",
    "/v2/regions",
    "/v2/sizes",
    "/v2/images",
    "/v2/images/{id}",
    "/v2/databases",
    "/v2/firewalls",
    "/v2/vpcs",
    "/v2/domains",
    "/v2/domains/{id}",
    "/v2/domains/{id}/records",
    "/v2/projects",
    "/v2/load_balancers",
    "/v2/tags",
    "/v2/tags/{id}",
    "/v2/tags/{id}/resources",
];

/// The route template of a path (ids replaced by `{id}`) and the path parameters; unknown paths
/// keep their literal path as template.
pub fn route_of(path: &str) -> (String, Vec<String>) {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let segs: Vec<&str> = trimmed.split('/').collect();
    for route in ROUTES {
        let rsegs: Vec<&str> = route.split('/').collect();
        if rsegs.len() != segs.len() {
            continue;
        }
        let mut params = Vec::new();
        let ok = rsegs.iter().zip(&segs).all(|(r, s)| {
            if *r == "{id}" {
                params.push(super::http::percent_decode(s));
                !s.is_empty()
            } else {
                r == s
            }
        });
        if ok {
            return (route.to_string(), params);
        }
    }
    (trimmed.to_string(), Vec::new())
}

/// Whether a successful request of this method changes state (and so triggers a save).
pub fn is_mutating(method: &str) -> bool {
    matches!(method, "POST" | "PUT" | "PATCH" | "DELETE")
}

/// Answers one authenticated, rate-limited `/v2/` request.
pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &str,
    params: &[String],
) -> Result<Response, ApiError> {
    let method = if req.method == "HEAD" {
        "GET"
    } else {
        req.method.as_str()
    };
    let p = |i: usize| params.get(i).map(String::as_str).unwrap_or("");
    match (method, route) {
        ("GET", "/v2/droplets") => list_droplets(state, ctx, req),
        ("POST", "/v2/droplets") => create_droplets(state, ctx, req),
        ("DELETE", "/v2/droplets") => {
            let Some(tag) = req.query_param("tag_name") else {
                return Err(ApiError::bad_request(
                    "DELETE /v2/droplets needs a tag_name query parameter (delete by tag).",
                ));
            };
            state.delete_by_tag(&tag);
            Ok(no_content())
        }
        ("GET", "/v2/droplets/{id}") => {
            let id = droplet_id(state, p(0))?;
            Ok(one("droplet", render::droplet_value(state, id)))
        }
        ("DELETE", "/v2/droplets/{id}") => {
            let id = droplet_id(state, p(0))?;
            state.delete_droplet(id);
            Ok(no_content())
        }
        ("POST", "/v2/droplets/{id}/actions") => {
            let id = droplet_id(state, p(0))?;
            let body = json_body(req)?;
            let action_id = state.droplet_action(id, &body, ctx.now_ms)?;
            let a = state
                .data
                .actions
                .get(&action_id)
                .map(render::action)
                .unwrap_or(Value::Null);
            Ok(Response::json(201, &json!({ "action": a })))
        }
        ("GET", "/v2/droplets/{id}/actions") => {
            let id = droplet_id(state, p(0))?;
            let items: Vec<Value> = state
                .data
                .actions
                .values()
                .filter(|a| a.resource_id == id)
                .map(render::action)
                .collect();
            Ok(paged(ctx, req, "actions", items))
        }
        ("GET", "/v2/droplets/{id}/actions/{id}") => {
            let id = droplet_id(state, p(0))?;
            match p(1)
                .parse::<u64>()
                .ok()
                .and_then(|a| state.data.actions.get(&a))
            {
                Some(a) if a.resource_id == id => Ok(one("action", render::action(a))),
                _ => Err(ApiError::not_found()),
            }
        }
        ("GET", "/v2/actions") => {
            let items: Vec<Value> = state.data.actions.values().map(render::action).collect();
            Ok(paged(ctx, req, "actions", items))
        }
        ("GET", "/v2/actions/{id}") => p(0)
            .parse::<u64>()
            .ok()
            .and_then(|a| state.data.actions.get(&a))
            .map(|a| one("action", render::action(a)))
            .ok_or_else(ApiError::not_found),
        ("GET", "/v2/account") => Ok(one("account", render::account(25))),
        ("GET", "/v2/account/keys") => {
            let items: Vec<Value> = state.data.ssh_keys.values().map(render::ssh_key).collect();
            Ok(paged(ctx, req, "ssh_keys", items))
        }
        ("POST", "/v2/account/keys") => {
            let body = json_body(req)?;
            let name = str_field(&body, "name")?;
            let public_key = str_field(&body, "public_key")?;
            if !looks_like_public_key(&public_key) {
                return Err(ApiError::unprocessable(
                    "Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp' and 'ssh-ed25519' keys",
                ));
            }
            let id = state.add_key(&name, &public_key)?;
            let k = state
                .data
                .ssh_keys
                .get(&id)
                .map(render::ssh_key)
                .unwrap_or(Value::Null);
            Ok(Response::json(201, &json!({ "ssh_key": k })))
        }
        ("GET", "/v2/account/keys/{id}") => state
            .find_key(p(0))
            .map(|k| one("ssh_key", render::ssh_key(k)))
            .ok_or_else(ApiError::not_found),
        ("PUT", "/v2/account/keys/{id}") => {
            let id = state
                .find_key(p(0))
                .map(|k| k.id)
                .ok_or_else(ApiError::not_found)?;
            let body = json_body(req)?;
            let name = str_field(&body, "name")?;
            let key = state
                .data
                .ssh_keys
                .get_mut(&id)
                .ok_or_else(ApiError::not_found)?;
            key.name = name;
            Ok(one("ssh_key", render::ssh_key(key)))
        }
        ("DELETE", "/v2/account/keys/{id}") => {
            let id = state
                .find_key(p(0))
                .map(|k| k.id)
                .ok_or_else(ApiError::not_found)?;
            state.data.ssh_keys.remove(&id);
            Ok(no_content())
        }
        ("GET", "/v2/regions") => {
            let items = REGIONS.iter().map(|r| r.to_json()).collect();
            Ok(paged(ctx, req, "regions", items))
        }
        ("GET", "/v2/sizes") => {
            let items = SIZES.iter().map(|s| s.to_json(true)).collect();
            Ok(paged(ctx, req, "sizes", items))
        }
        ("GET", "/v2/images") => {
            let kind = req.query_param("type");
            if kind
                .as_deref()
                .is_some_and(|k| k != "distribution" && k != "application")
            {
                return Err(ApiError::unprocessable(
                    "type must be distribution or application",
                ));
            }
            // The sandbox account owns no private images, so private=true lists none.
            let private = req.query_param("private").as_deref() == Some("true");
            let items = IMAGES
                .iter()
                .filter(|i| !private && kind.as_deref().is_none_or(|k| k == i.kind))
                .map(|i| i.to_json())
                .collect();
            Ok(paged(ctx, req, "images", items))
        }
        ("GET", "/v2/images/{id}") => super::catalogue::image(p(0))
            .map(|i| one("image", i.to_json()))
            .ok_or_else(ApiError::not_found),
        ("GET", "/v2/databases") => {
            // Not paginated in the spec: no links, no meta.
            let tag = req.query_param("tag_name");
            let items: Vec<&Value> = state
                .data
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
        ("GET", "/v2/firewalls") => Ok(paged(ctx, req, "firewalls", state.data.firewalls.clone())),
        ("GET", "/v2/vpcs") => Ok(paged(ctx, req, "vpcs", state.data.vpcs.clone())),
        ("GET", "/v2/projects") => Ok(paged(ctx, req, "projects", state.data.projects.clone())),
        ("GET", "/v2/load_balancers") => Ok(paged(
            ctx,
            req,
            "load_balancers",
            state.data.load_balancers.clone(),
        )),
        ("GET", "/v2/domains") => {
            let items = state.data.domains.iter().map(render::domain).collect();
            Ok(paged(ctx, req, "domains", items))
        }
        ("GET", "/v2/domains/{id}") => state
            .data
            .domains
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(p(0)))
            .map(|d| one("domain", render::domain(d)))
            .ok_or_else(ApiError::not_found),
        ("GET", "/v2/domains/{id}/records") => {
            let d = state
                .data
                .domains
                .iter()
                .find(|d| d.name.eq_ignore_ascii_case(p(0)))
                .ok_or_else(ApiError::not_found)?;
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
        ("GET", "/v2/tags") => {
            let items = state
                .data
                .tags
                .iter()
                .map(|t| render::tag(state, t, ctx.base_url))
                .collect();
            Ok(paged(ctx, req, "tags", items))
        }
        ("POST", "/v2/tags") => {
            let body = json_body(req)?;
            let name = str_field(&body, "name")?;
            if let Err(msg) = validate::tag_name(&name) {
                // The one endpoint with the error_with_root_causes shape (DIGEST §3).
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
        ("GET", "/v2/tags/{id}") => {
            if state.data.tags.contains(p(0)) {
                Ok(one("tag", render::tag(state, p(0), ctx.base_url)))
            } else {
                Err(ApiError::not_found())
            }
        }
        ("POST" | "DELETE", "/v2/tags/{id}/resources") => {
            if !state.data.tags.contains(p(0)) {
                return Err(ApiError::not_found());
            }
            let body = json_body(req)?;
            let ids = tagged_droplet_ids(state, &body)?;
            state.retag_droplets(p(0), &ids, method == "POST");
            Ok(no_content())
        }
        _ => Err(ApiError::not_found()),
    }
}

/// The droplet ids of a `{"resources": [{"resource_id": "42", "resource_type": "droplet"}]}` body. The spec
/// makes `resource_id` a string even for droplets; only droplets are stored here, so other types are refused.
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
        if !state.data.droplets.contains_key(&id) {
            return Err(ApiError::not_found());
        }
        ids.push(id);
    }
    Ok(ids)
}

fn no_content() -> Response {
    let mut r = Response::new(204);
    // The spec declares a content-type header on these 204s (no_content_with_content_type.yml).
    r.set_header("content-type", "application/json; charset=utf-8");
    r
}

fn one(key: &str, value: Value) -> Response {
    let mut map = serde_json::Map::new();
    map.insert(key.into(), value);
    Response::json(200, &Value::Object(map))
}

fn json_body(req: &Request) -> Result<Value, ApiError> {
    if req.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request(
            "error parsing request body: the body is empty",
        ));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error parsing request body: {e}")))
}

fn str_field(body: &Value, key: &str) -> Result<String, ApiError> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ApiError::unprocessable(format!("{key} is required")))
        }
        Some(_) => Err(ApiError::unprocessable(format!("{key} must be a string"))),
    }
}

fn looks_like_public_key(k: &str) -> bool {
    let mut parts = k.split_whitespace();
    let kind = parts.next().unwrap_or_default();
    let blob = parts.next().unwrap_or_default();
    (kind.starts_with("ssh-") || kind.starts_with("ecdsa-") || kind.starts_with("sk-"))
        && super::fingerprint::base64_decode(blob).is_some_and(|b| !b.is_empty())
}

fn droplet_id(state: &State, raw: &str) -> Result<u64, ApiError> {
    match raw.parse::<u64>() {
        Ok(id) if state.data.droplets.contains_key(&id) => Ok(id),
        _ => Err(ApiError::not_found()),
    }
}

/// A paginated list response built from all items.
fn paged(ctx: &Ctx, req: &Request, key: &str, items: Vec<Value>) -> Response {
    let pairs = req.query_pairs();
    let page = PageRequest::from_query(&pairs);
    let total = items.len();
    let slice: Vec<Value> = items
        .into_iter()
        .skip(page.offset())
        .take(page.per_page)
        .collect();
    let mut map = serde_json::Map::new();
    map.insert(key.into(), Value::Array(slice));
    map.insert(
        "links".into(),
        page.links(ctx.base_url, &req.path, &pairs, total),
    );
    map.insert("meta".into(), json!({ "total": total }));
    Response::json(200, &Value::Object(map))
}

fn list_droplets(state: &mut State, ctx: &Ctx, req: &Request) -> Result<Response, ApiError> {
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
    let (total, ids): (usize, Vec<u64>) = if let Some(tag) = &tag {
        match state.droplet_ids_by_tag(tag) {
            Some(set) => (
                set.len(),
                set.iter()
                    .skip(page.offset())
                    .take(page.per_page)
                    .copied()
                    .collect(),
            ),
            None => (0, Vec::new()),
        }
    } else if let Some(name) = &name {
        let matching: Vec<u64> = state
            .droplet_ids_by_name(name)
            .map(|s| {
                s.iter()
                    .copied()
                    .filter(|id| state.is_gpu(*id) == gpus)
                    .collect()
            })
            .unwrap_or_default();
        (
            matching.len(),
            matching
                .into_iter()
                .skip(page.offset())
                .take(page.per_page)
                .collect(),
        )
    } else if gpus {
        let set = state.gpu_ids();
        (
            set.len(),
            set.iter()
                .skip(page.offset())
                .take(page.per_page)
                .copied()
                .collect(),
        )
    } else {
        let gpu = state.gpu_ids().clone();
        (
            state.data.droplets.len() - gpu.len(),
            state
                .data
                .droplets
                .keys()
                .filter(|id| !gpu.contains(id))
                .skip(page.offset())
                .take(page.per_page)
                .copied()
                .collect(),
        )
    };
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

fn create_droplets(state: &mut State, ctx: &Ctx, req: &Request) -> Result<Response, ApiError> {
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
        Shape::Single => json!({
            "droplet": droplets.into_iter().next().unwrap_or(Value::Null),
            "links": {"actions": links},
        }),
        Shape::Multi => json!({"droplets": droplets, "links": {"actions": links}}),
    };
    Ok(Response::json(202, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_templates() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("/v2/droplets", "/v2/droplets", &[]),
            ("/v2/droplets/", "/v2/droplets", &[]),
            ("/v2/droplets/12", "/v2/droplets/{id}", &["12"]),
            (
                "/v2/droplets/12/actions/34",
                "/v2/droplets/{id}/actions/{id}",
                &["12", "34"],
            ),
            (
                "/v2/account/keys/3b:16",
                "/v2/account/keys/{id}",
                &["3b:16"],
            ),
            ("/v2/tags/a%3Ab", "/v2/tags/{id}", &["a:b"]),
            ("/v2/nothing/here", "/v2/nothing/here", &[]),
        ];
        for (path, route, params) in cases {
            let (r, p) = route_of(path);
            assert_eq!(r, *route, "{path}");
            assert_eq!(
                p,
                params.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                "{path}"
            );
        }
    }
}
