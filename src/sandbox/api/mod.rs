//! The `/v2/` endpoints. `route.rs` reads a request into a typed `Route`; one file per resource
//! family answers it. Everything HTTP (bodies, status codes, error texts) stays in this folder, and
//! the state is changed only through typed calls.

mod account;
mod account_extras;
mod actions;
mod catalogue;
mod create;
mod domains;
mod droplets;
mod firewalls;
mod inventory;
mod projects;
mod reserved_ips;
pub mod route;
mod tags;

use serde_json::{Value, json};

pub use route::Route;

use super::error::ApiError;
use super::http::{Request, Response};
use super::paginate::PageRequest;
use super::state::{NetError, State};

/// Per-request context.
pub struct Ctx<'a> {
    /// Scheme, host and port the client used (absolute links are built from it).
    pub base_url: &'a str,
    pub now_ms: i64,
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
    route: &Route,
) -> Result<Response, ApiError> {
    match route {
        Route::Droplets(r) => droplets::handle(state, ctx, req, r),
        Route::Actions(r) => actions::handle(state, ctx, req, r),
        Route::Keys(r) => account::handle(state, ctx, req, r),
        Route::Tags(r) => tags::handle(state, ctx, req, r),
        Route::Catalogue(r) => catalogue::handle(ctx, req, r),
        Route::Inventory(r) => inventory::handle(state, ctx, req, r),
        Route::Extras(r) => account_extras::handle(state, ctx, req, r),
        Route::Firewalls(r) => firewalls::handle(state, ctx, req, r),
        Route::Domains(r) => domains::handle(state, ctx, req, r),
        Route::Projects(r) => projects::handle(state, ctx, req, r),
        Route::ReservedIps(r) => reserved_ips::handle(state, ctx, req, r),
    }
}

/// A networking refusal as the API answers it. The spec leaves most of these codes unsaid; the
/// choices are written down in docs/sandbox.md.
fn net(e: NetError) -> ApiError {
    match e {
        NetError::NotFound => ApiError::not_found(),
        NetError::Invalid(m) => ApiError::unprocessable(m),
        NetError::Conflict(m) => ApiError::new(409, "conflict", m),
        NetError::Precondition(m) => ApiError::new(412, "precondition_failed", m),
    }
}

fn no_content() -> Response {
    let mut r = Response::new(204);
    // The API declares a content-type even on its empty 204 answers.
    r.set_header("content-type", "application/json; charset=utf-8");
    r
}

/// `{"<key>": value}` with the given status.
fn wrapped(status: u16, key: &str, value: Value) -> Response {
    let mut map = serde_json::Map::new();
    map.insert(key.into(), value);
    Response::json(status, &Value::Object(map))
}

fn one(key: &str, value: Value) -> Response {
    wrapped(200, key, value)
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

/// A required, non-blank string field of a JSON body.
fn str_field(body: &Value, key: &str) -> Result<String, ApiError> {
    match body.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) | None | Some(Value::Null) => {
            Err(ApiError::unprocessable(format!("{key} is required")))
        }
        Some(_) => Err(ApiError::unprocessable(format!("{key} must be a string"))),
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
