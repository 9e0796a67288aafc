//! `/v2/account` and its SSH keys (`/v2/account/keys`), where a key is named by id or fingerprint.

use serde_json::Value;

use super::route::{Family, Method, Route};
use super::{Ctx, json_body, no_content, one, paged, str_field, wrapped};
use crate::sandbox::error::ApiError;
use crate::sandbox::fingerprint::base64_decode;
use crate::sandbox::http::{Request, Response};
use crate::sandbox::model::SshKey;
use crate::sandbox::render;
use crate::sandbox::state::{KeyError, State};

/// How a path names an SSH key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRef {
    Id(u64),
    Fingerprint(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRoute {
    Account,
    List,
    Create,
    Get(KeyRef),
    Update(KeyRef),
    Delete(KeyRef),
}

pub const FAMILY: Family = Family {
    templates: &["/v2/account", "/v2/account/keys", "/v2/account/keys/{id}"],
    parse,
};

fn parse(method: Method, template: &str, params: &[String]) -> Option<Route> {
    let key = |raw: &str| match raw.parse::<u64>() {
        Ok(id) => KeyRef::Id(id),
        Err(_) => KeyRef::Fingerprint(raw.to_string()),
    };
    let route = match (method, template, params) {
        (Method::Get, "/v2/account", []) => KeyRoute::Account,
        (Method::Get, "/v2/account/keys", []) => KeyRoute::List,
        (Method::Post, "/v2/account/keys", []) => KeyRoute::Create,
        (Method::Get, _, [k]) => KeyRoute::Get(key(k)),
        (Method::Put, _, [k]) => KeyRoute::Update(key(k)),
        (Method::Delete, _, [k]) => KeyRoute::Delete(key(k)),
        _ => return None,
    };
    Some(Route::Keys(route))
}

fn find<'a>(state: &'a State, key: &KeyRef) -> Result<&'a SshKey, ApiError> {
    match key {
        KeyRef::Id(id) => state.data.ssh_keys.get(id),
        KeyRef::Fingerprint(fp) => state.data.ssh_keys.values().find(|k| &k.fingerprint == fp),
    }
    .ok_or_else(ApiError::not_found)
}

pub fn handle(
    state: &mut State,
    ctx: &Ctx,
    req: &Request,
    route: &KeyRoute,
) -> Result<Response, ApiError> {
    match route {
        KeyRoute::Account => Ok(one("account", render::account(25))),
        KeyRoute::List => {
            let items: Vec<Value> = state.data.ssh_keys.values().map(render::ssh_key).collect();
            Ok(paged(ctx, req, "ssh_keys", items))
        }
        KeyRoute::Create => {
            let body = json_body(req)?;
            let name = str_field(&body, "name")?;
            let public_key = str_field(&body, "public_key")?;
            if !looks_like_public_key(&public_key) {
                return Err(ApiError::unprocessable(
                    "Key invalid type, we support 'ssh-rsa', 'ssh-dss', 'ecdsa-sha2-nistp' and 'ssh-ed25519' keys",
                ));
            }
            let id = state
                .add_key(&name, &public_key)
                .map_err(|e: KeyError| ApiError::unprocessable(e.to_string()))?;
            let k = state.data.ssh_keys.get(&id).map(render::ssh_key);
            Ok(wrapped(201, "ssh_key", k.unwrap_or(Value::Null)))
        }
        KeyRoute::Get(key) => Ok(one("ssh_key", render::ssh_key(find(state, key)?))),
        KeyRoute::Update(key) => {
            let id = find(state, key)?.id;
            let name = str_field(&json_body(req)?, "name")?;
            let key = state
                .data
                .ssh_keys
                .get_mut(&id)
                .ok_or_else(ApiError::not_found)?;
            key.name = name;
            Ok(one("ssh_key", render::ssh_key(key)))
        }
        KeyRoute::Delete(key) => {
            let id = find(state, key)?.id;
            state.data.ssh_keys.remove(&id);
            Ok(no_content())
        }
    }
}

/// A key type the API knows, followed by a blob that decodes: enough to compute a fingerprint.
fn looks_like_public_key(k: &str) -> bool {
    let mut parts = k.split_whitespace();
    let kind = parts.next().unwrap_or_default();
    let blob = parts.next().unwrap_or_default();
    (kind.starts_with("ssh-") || kind.starts_with("ecdsa-") || kind.starts_with("sk-"))
        && base64_decode(blob).is_some_and(|b| !b.is_empty())
}
