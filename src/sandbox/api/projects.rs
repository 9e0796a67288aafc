//! `/v2/projects`: list, create (201), get/PUT/PATCH/delete by id or `default` (412 while it has
//! resources), and its resources: listed, or assigned (200, one `status` per URN).

use serde_json::{Value, json};

use super::route::{Family, Method, Route};
use super::{Ctx, json_body, net, no_content, one, paged, wrapped};
use crate::sandbox::clock::iso8601;
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::state::{ProjectSpec, State};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectRoute {
    List,
    Create,
    /// A project id, or `default`.
    Get(String),
    /// (id, PUT: every field is required)
    Update(String, bool),
    Delete(String),
    Resources(String),
    Assign(String),
}

pub const FAMILY: Family = Family {
    templates: &[
        "/v2/projects",
        "/v2/projects/{id}",
        "/v2/projects/{id}/resources",
    ],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/projects", []) => ProjectRoute::List,
        (Method::Post, "/v2/projects", []) => ProjectRoute::Create,
        (Method::Get, "/v2/projects/{id}", [p]) => ProjectRoute::Get(p.clone()),
        (Method::Put, "/v2/projects/{id}", [p]) => ProjectRoute::Update(p.clone(), true),
        (Method::Patch, "/v2/projects/{id}", [p]) => ProjectRoute::Update(p.clone(), false),
        // The default project's path has no DELETE.
        (Method::Delete, "/v2/projects/{id}", [p]) if p != "default" => {
            ProjectRoute::Delete(p.clone())
        }
        (Method::Get, "/v2/projects/{id}/resources", [p]) => ProjectRoute::Resources(p.clone()),
        (Method::Post, "/v2/projects/{id}/resources", [p]) => ProjectRoute::Assign(p.clone()),
        _ => return None,
    };
    Some(Route::Projects(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &ProjectRoute,
) -> Result<Response, ApiError> {
    let get = |state: &State, id: &str| state.project(id).cloned().ok_or_else(ApiError::not_found);
    let resource = |urn: &str, at_ms: i64, status: &str| {
        json!({
            "urn": urn,
            "assigned_at": iso8601(at_ms),
            "links": {"self": self_link(ctx.base_url, urn)},
            "status": status,
        })
    };
    match route {
        ProjectRoute::List => Ok(paged(ctx, req, "projects", state.data.projects.clone())),
        ProjectRoute::Create => {
            let spec = project_spec(&json_body(req)?)?;
            let p = state.create_project(&spec, ctx.now_ms).map_err(net)?;
            Ok(wrapped(201, "project", p))
        }
        ProjectRoute::Get(id) => Ok(one("project", get(state, id)?)),
        ProjectRoute::Update(id, full) => {
            get(state, id)?;
            let spec = project_spec(&json_body(req)?)?;
            let complete = spec.name.is_some()
                && spec.description.is_some()
                && spec.purpose.is_some()
                && spec.environment.is_some()
                && spec.is_default.is_some();
            if *full && !complete {
                return Err(ApiError::unprocessable(
                    "name, description, purpose, environment and is_default are required",
                ));
            }
            Ok(one(
                "project",
                state.update_project(id, &spec, ctx.now_ms).map_err(net)?,
            ))
        }
        ProjectRoute::Delete(id) => {
            state.delete_project(id).map_err(net)?;
            Ok(no_content())
        }
        ProjectRoute::Resources(id) => {
            let pid = get(state, id)?["id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let items = (state.project_resources(&pid).iter())
                .map(|(urn, at)| resource(urn, *at, "ok"))
                .collect();
            Ok(paged(ctx, req, "resources", items))
        }
        ProjectRoute::Assign(id) => {
            get(state, id)?;
            let body = json_body(req)?;
            let urns: Vec<String> = match body.get("resources") {
                Some(Value::Array(a)) if !a.is_empty() => a
                    .iter()
                    .map(|u| u.as_str().map(String::from))
                    .collect::<Option<_>>()
                    .ok_or_else(|| ApiError::unprocessable("resources must hold URN strings"))?,
                _ => return Err(ApiError::unprocessable("resources is required")),
            };
            let out = state.assign_resources(id, &urns, ctx.now_ms).map_err(net)?;
            let items: Vec<Value> = out.iter().map(|(u, at, s)| resource(u, *at, s)).collect();
            // Not paginated: no links, no meta.
            Ok(Response::json(200, &json!({ "resources": items })))
        }
    }
}

fn self_link(base: &str, urn: &str) -> String {
    let rest = urn.strip_prefix("do:").unwrap_or(urn);
    match rest.split_once(':') {
        Some(("droplet", id)) => format!("{base}/v2/droplets/{id}"),
        Some(("domain", name)) => format!("{base}/v2/domains/{name}"),
        Some(("floatingip", ip)) => format!("{base}/v2/reserved_ips/{ip}"),
        _ => String::new(),
    }
}

fn project_spec(body: &Value) -> Result<ProjectSpec, ApiError> {
    let text = |k: &str| -> Result<Option<String>, ApiError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::unprocessable(format!("{k} must be a string"))),
        }
    };
    let is_default = match body.get("is_default") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(ApiError::unprocessable("is_default must be a boolean")),
    };
    Ok(ProjectSpec {
        name: text("name")?,
        description: text("description")?,
        purpose: text("purpose")?,
        environment: text("environment")?,
        is_default,
    })
}
