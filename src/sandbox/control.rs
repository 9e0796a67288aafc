//! The `/_sandbox/` control endpoints for tests and benchmarks (no auth): reset, seed, request log,
//! counters, faults, clock advance, status.

use serde::Deserialize;
use serde_json::{Value, json};

use super::catalogue;
use super::error::ApiError;
use super::faults::FaultRule;
use super::http::{Request, Response};
use super::model::{STATUS_ACTIVE, STATUS_NEW, STATUS_OFF};
use super::seed;
use super::shared::{Inner, Shared};
use super::state::CreateSpec;
use super::validate;

/// Most droplets one seed call may create.
const MAX_SEED: usize = 200_000;

pub fn handle(shared: &Shared, req: &Request, _base_url: &str) -> Response {
    let mut inner = shared.lock();
    let rid = inner.new_request_id();
    let result = route(shared, &mut inner, req);
    let mut resp = match result {
        Ok(r) => r,
        Err(e) => e.to_response(&rid),
    };
    resp.set_header("x-request-id", rid);
    resp
}

fn body(req: &Request) -> Result<Value, ApiError> {
    if req.body.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(json!({}));
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| ApiError::bad_request(format!("error parsing request body: {e}")))
}

fn route(shared: &Shared, inner: &mut Inner, req: &Request) -> Result<Response, ApiError> {
    let path = req.path.trim_end_matches('/');
    match (req.method.as_str(), path) {
        ("POST", "/_sandbox/reset") => {
            let now = inner.state.now_ms();
            inner.state.reset(now);
            seed_keys(shared, inner)?;
            inner.limiter.clear();
            inner.keys_limiter.clear();
            shared.persist(inner);
            Ok(Response::new(204))
        }
        ("POST", "/_sandbox/seed") => {
            let b = body(req)?;
            let out = seed_body(inner, &b)?;
            shared.persist(inner);
            Ok(Response::json(200, &json!({ "seeded": out })))
        }
        ("GET", "/_sandbox/requests") => Ok(Response::json(200, &json!({ "requests": inner.log }))),
        ("DELETE", "/_sandbox/requests") => {
            inner.log.clear();
            inner.counters.clear();
            Ok(Response::new(204))
        }
        ("GET", "/_sandbox/counters") => Ok(Response::json(200, &json!(inner.counters))),
        ("POST", "/_sandbox/faults") => {
            let rule: FaultRule = serde_json::from_value(body(req)?)
                .map_err(|e| ApiError::unprocessable(format!("invalid fault rule: {e}")))?;
            rule.validate().map_err(ApiError::unprocessable)?;
            inner.faults.rules.push(rule.clone());
            Ok(Response::json(201, &json!({ "fault": rule })))
        }
        ("GET", "/_sandbox/faults") => Ok(Response::json(
            200,
            &json!({ "faults": inner.faults.rules }),
        )),
        ("DELETE", "/_sandbox/faults") => {
            inner.faults.rules.clear();
            Ok(Response::new(204))
        }
        ("POST", "/_sandbox/advance") => {
            let b = body(req)?;
            let secs = b["seconds"]
                .as_f64()
                .filter(|s| *s >= 0.0 && s.is_finite())
                .ok_or_else(|| ApiError::unprocessable("seconds must be a non-negative number"))?;
            inner.state.data.clock_offset_ms += (secs * 1000.0).round() as i64;
            let now = inner.state.now_ms();
            inner.state.settle(now);
            shared.persist(inner);
            Ok(Response::json(200, &status_json(inner)))
        }
        ("GET", "/_sandbox/status") => Ok(Response::json(200, &status_json(inner))),
        _ => Err(ApiError::not_found()),
    }
}

fn status_json(inner: &Inner) -> Value {
    let now = inner.state.now_ms();
    json!({
        "now": super::clock::iso8601(now),
        "now_ms": now,
        "clock_offset_seconds": inner.state.data.clock_offset_ms as f64 / 1000.0,
        "droplets": inner.state.data.droplets.len(),
        "actions": inner.state.data.actions.len(),
        "persist_error": inner.persist_error,
    })
}

/// Creates the configured seed SSH keys that are missing (by name).
pub fn seed_keys(shared: &Shared, inner: &mut Inner) -> Result<(), ApiError> {
    for k in &shared.seed_keys {
        let exists = inner.state.data.ssh_keys.values().any(|x| x.name == k.name);
        let same_key = inner
            .state
            .data
            .ssh_keys
            .values()
            .any(|x| x.fingerprint == super::fingerprint::ssh_fingerprint(&k.public_key));
        if !exists && !same_key {
            inner
                .state
                .add_key(&k.name, &k.public_key)
                .map_err(|e| ApiError::unprocessable(e.to_string()))?;
        }
    }
    Ok(())
}

/// `POST /_sandbox/seed` body; every part is optional and several calls compose.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedBody {
    #[serde(default)]
    droplets: usize,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    name_prefix: Option<String>,
    #[serde(default)]
    start: Option<u64>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    size: Option<String>,
    #[serde(default)]
    image: Option<Value>,
    #[serde(default)]
    ipv6: bool,
    #[serde(default)]
    firewalls: usize,
    #[serde(default)]
    databases: usize,
    #[serde(default)]
    vpcs: usize,
    #[serde(default)]
    domains: usize,
    #[serde(default)]
    load_balancers: usize,
    #[serde(default)]
    projects: usize,
    #[serde(default)]
    functions_namespaces: usize,
    #[serde(default)]
    reserved_ips: usize,
    /// Domains by name, each with the default NS records (`domains` makes `example-N.com` ones).
    #[serde(default)]
    domain_names: Vec<String>,
    /// Reserved IPs at these addresses, held in `region` (default nyc1) and assigned to no droplet.
    #[serde(default)]
    reserved_ip_addresses: Vec<String>,
}

fn seed_body(inner: &mut Inner, b: &Value) -> Result<Value, ApiError> {
    let b: SeedBody = serde_json::from_value(b.clone())
        .map_err(|e| ApiError::unprocessable(format!("invalid seed body: {e}")))?;
    let now = inner.state.now_ms();
    inner.state.settle(now);
    let mut out = serde_json::Map::new();
    if b.droplets > 0 {
        if b.droplets > MAX_SEED {
            return Err(ApiError::unprocessable(format!(
                "at most {MAX_SEED} droplets per seed call"
            )));
        }
        let region = b.region.as_deref().unwrap_or("nyc1");
        let size = b.size.as_deref().unwrap_or("s-1vcpu-1gb");
        let r = catalogue::region(region)
            .filter(|r| r.available)
            .ok_or_else(|| {
                ApiError::unprocessable(format!("unknown or unavailable region {region:?}"))
            })?;
        let s = catalogue::size(size)
            .filter(|s| s.offered_in(r))
            .ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "size {size:?} is unknown or not offered in {region}"
                ))
            })?;
        let image = match &b.image {
            None => catalogue::image("ubuntu-24-04-x64"),
            Some(Value::String(x)) => catalogue::image(x),
            Some(Value::Number(n)) => n.as_u64().and_then(catalogue::image_by_id),
            Some(_) => None,
        }
        .ok_or_else(|| ApiError::unprocessable("unknown image"))?;
        for t in &b.tags {
            validate::tag_name(t).map_err(ApiError::unprocessable)?;
        }
        let status = b.status.as_deref().unwrap_or(STATUS_ACTIVE);
        let initial_status = match status {
            STATUS_ACTIVE | STATUS_OFF => Some(status.to_string()),
            STATUS_NEW => None,
            other => {
                return Err(ApiError::unprocessable(format!(
                    "status must be active, off or new, not {other:?}"
                )));
            }
        };
        let prefix = b
            .name_prefix
            .clone()
            .unwrap_or_else(|| "seed-droplet-".into());
        // "staging-app-" + 1 gives "staging-app-1"; a prefix without a trailing separator gets "-".
        let sep = if prefix.ends_with('-') || prefix.ends_with('.') {
            ""
        } else {
            "-"
        };
        let start = b.start.unwrap_or(1);
        let names: Vec<String> = (0..b.droplets as u64)
            .map(|i| format!("{prefix}{sep}{}", start + i))
            .collect();
        for n in names.iter().take(1).chain(names.last()) {
            validate::droplet_name(n).map_err(ApiError::unprocessable)?;
        }
        let spec = CreateSpec {
            names,
            region: r.slug.into(),
            size: s.slug.into(),
            image: image.id,
            tags: b.tags.clone(),
            ipv6: b.ipv6,
            backups: false,
            monitoring: false,
            vpc_uuid: inner.state.default_vpc(r.slug).unwrap_or_default(),
            ssh_keys: Vec::new(),
            initial_status,
        };
        let created = inner.state.create_droplets(&spec, now);
        out.insert(
            "droplets".into(),
            json!({
                "count": created.len(),
                "first_id": created.first().map(|c| c.0),
                "last_id": created.last().map(|c| c.0),
            }),
        );
    }
    for name in &b.domain_names {
        inner
            .state
            .create_domain(name, None)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    }
    if !b.domain_names.is_empty() {
        out.insert(
            "domain_names".into(),
            json!({ "count": b.domain_names.len() }),
        );
    }
    let ip_region = b.region.as_deref().unwrap_or("nyc1");
    for ip in &b.reserved_ip_addresses {
        inner
            .state
            .hold_reserved_ip(ip, ip_region)
            .map_err(|e| ApiError::unprocessable(e.to_string()))?;
    }
    if !b.reserved_ip_addresses.is_empty() {
        out.insert(
            "reserved_ip_addresses".into(),
            json!({ "count": b.reserved_ip_addresses.len() }),
        );
    }
    let data = &mut inner.state.data;
    let parts: [(&str, usize); 8] = [
        ("firewalls", b.firewalls),
        ("databases", b.databases),
        ("vpcs", b.vpcs),
        ("domains", b.domains),
        ("load_balancers", b.load_balancers),
        ("projects", b.projects),
        ("functions_namespaces", b.functions_namespaces),
        ("reserved_ips", b.reserved_ips),
    ];
    for (name, n) in parts {
        if n == 0 {
            continue;
        }
        if n > MAX_SEED {
            return Err(ApiError::unprocessable(format!(
                "at most {MAX_SEED} {name} per seed call"
            )));
        }
        match name {
            "firewalls" => seed::firewalls(data, n, now),
            "databases" => seed::databases(data, n, now),
            "vpcs" => seed::vpcs(data, n, now),
            "domains" => seed::domains(data, n),
            "load_balancers" => seed::load_balancers(data, n, now),
            "functions_namespaces" => seed::functions_namespaces(data, n, now),
            "reserved_ips" => seed::reserved_ips(data, n),
            _ => seed::projects(data, n, now),
        }
        out.insert(name.into(), json!({ "count": n }));
    }
    Ok(Value::Object(out))
}
