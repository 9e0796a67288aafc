//! `/v2/domains` and their records: list, create (201; NS records come with a new domain), get,
//! delete; records listed (filtered by fully qualified `name` and `type`), created (201), read,
//! changed by PUT or PATCH, deleted (204).

use serde_json::{Value, json};

use super::route::{Family, Method, Route, id};
use super::{Ctx, json_body, net, no_content, one, paged, str_field, wrapped};
use crate::sandbox::error::ApiError;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::render;
use crate::sandbox::state::{RecordSpec, State};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainRoute {
    List,
    Create,
    Get(String),
    Delete(String),
    Records(String),
    CreateRecord(String),
    GetRecord(String, u64),
    /// PUT and PATCH answer alike: the fields given replace the record's.
    UpdateRecord(String, u64),
    DeleteRecord(String, u64),
}

pub const FAMILY: Family = Family {
    templates: &[
        "/v2/domains",
        "/v2/domains/{id}",
        "/v2/domains/{id}/records",
        "/v2/domains/{id}/records/{id}",
    ],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let route = match (method, template, params) {
        (Method::Get, "/v2/domains", []) => DomainRoute::List,
        (Method::Post, "/v2/domains", []) => DomainRoute::Create,
        (Method::Get, "/v2/domains/{id}", [d]) => DomainRoute::Get(d.clone()),
        (Method::Delete, "/v2/domains/{id}", [d]) => DomainRoute::Delete(d.clone()),
        (Method::Get, "/v2/domains/{id}/records", [d]) => DomainRoute::Records(d.clone()),
        (Method::Post, "/v2/domains/{id}/records", [d]) => DomainRoute::CreateRecord(d.clone()),
        (Method::Get, _, [d, r]) => DomainRoute::GetRecord(d.clone(), id(r)?),
        (Method::Put | Method::Patch, _, [d, r]) => DomainRoute::UpdateRecord(d.clone(), id(r)?),
        (Method::Delete, _, [d, r]) => DomainRoute::DeleteRecord(d.clone(), id(r)?),
        _ => return None,
    };
    Some(Route::Domains(route))
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &DomainRoute,
) -> Result<Response, ApiError> {
    let domain =
        |state: &State, name: &str| state.domain(name).cloned().ok_or_else(ApiError::not_found);
    match route {
        DomainRoute::List => {
            let items = state.data.domains.iter().map(render::domain).collect();
            Ok(paged(ctx, req, "domains", items))
        }
        DomainRoute::Create => {
            let body = json_body(req)?;
            let name = str_field(&body, "name")?;
            let ip = body.get("ip_address").and_then(Value::as_str);
            state.create_domain(&name, ip).map_err(net)?;
            let d = domain(state, &name)?;
            // As the API's create example: the zone file is not ready yet.
            Ok(wrapped(
                201,
                "domain",
                json!({"name": d.name, "ttl": d.ttl, "zone_file": null}),
            ))
        }
        DomainRoute::Get(name) => Ok(one("domain", render::domain(&domain(state, name)?))),
        DomainRoute::Delete(name) if state.delete_domain(name) => Ok(no_content()),
        DomainRoute::Delete(_) => Err(ApiError::not_found()),
        DomainRoute::Records(name) => {
            let d = domain(state, name)?;
            let fq_filter = req.query_param("name");
            let kind = req.query_param("type");
            let items = (d.records.iter())
                .filter(|r| {
                    // `name` filters by the fully qualified name; "@" is the apex.
                    let fq = match r["name"].as_str() {
                        Some("@") | None => d.name.clone(),
                        Some(n) => format!("{n}.{}", d.name),
                    };
                    fq_filter
                        .as_ref()
                        .is_none_or(|n| n.eq_ignore_ascii_case(&fq))
                        && kind.as_ref().is_none_or(|k| r["type"] == k.as_str())
                })
                .cloned()
                .collect();
            Ok(paged(ctx, req, "domain_records", items))
        }
        DomainRoute::CreateRecord(name) => {
            let spec = record_spec(&json_body(req)?)?;
            let record = state.create_record(name, &spec).map_err(net)?;
            Ok(wrapped(201, "domain_record", record))
        }
        DomainRoute::GetRecord(name, rid) => {
            let d = domain(state, name)?;
            let r = d.records.iter().find(|r| r["id"].as_u64() == Some(*rid));
            r.map(|r| one("domain_record", r.clone()))
                .ok_or_else(ApiError::not_found)
        }
        DomainRoute::UpdateRecord(name, rid) => {
            let spec = record_spec(&json_body(req)?)?;
            let record = state.update_record(name, *rid, &spec).map_err(net)?;
            Ok(one("domain_record", record))
        }
        DomainRoute::DeleteRecord(name, rid) => {
            state.delete_record(name, *rid).map_err(net)?;
            Ok(no_content())
        }
    }
}

fn record_spec(body: &Value) -> Result<RecordSpec, ApiError> {
    let text = |k: &str| -> Result<Option<String>, ApiError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::unprocessable(format!("{k} must be a string"))),
        }
    };
    let number = |k: &str| -> Result<Option<u64>, ApiError> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or_else(|| {
                ApiError::unprocessable(format!("{k} must be a non-negative integer"))
            }),
        }
    };
    Ok(RecordSpec {
        kind: text("type")?,
        name: text("name")?,
        data: text("data")?,
        ttl: number("ttl")?,
        priority: number("priority")?,
        port: number("port")?,
        weight: number("weight")?,
        flags: number("flags")?,
        tag: text("tag")?,
    })
}
