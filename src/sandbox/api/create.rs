//! Validation of a `POST /v2/droplets` body into a `CreateSpec` (the 422 rules of the sandbox).

use serde_json::Value;

use crate::sandbox::catalogue::{self, REGIONS};
use crate::sandbox::error::ApiError;
use crate::sandbox::state::{CreateSpec, State};
use crate::sandbox::validate;

/// Multi-create limit ("Up to ten Droplets", stated only in the spec's prose).
pub const MAX_NAMES: usize = 10;
/// `user_data` limit from the spec: 64 KiB.
pub const MAX_USER_DATA: usize = 64 * 1024;

fn unproc(m: impl Into<String>) -> ApiError {
    ApiError::unprocessable(m)
}

fn opt_bool(body: &Value, key: &str) -> Result<bool, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(unproc(format!("{key} must be a boolean"))),
    }
}

/// Which shape the body had: single (`name`) or multi (`names`); decides the response key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Single,
    Multi,
}

/// Validates the body; on success the droplets can be created as described.
pub fn parse(state: &State, body: &Value) -> Result<(Shape, CreateSpec), ApiError> {
    if !body.is_object() {
        return Err(ApiError::bad_request("request body must be a JSON object"));
    }
    let (shape, names) = match (body.get("name"), body.get("names")) {
        (Some(_), Some(_)) => return Err(unproc("specify either name or names, not both")),
        (Some(Value::String(n)), None) => (Shape::Single, vec![n.clone()]),
        (Some(_), None) => return Err(unproc("name must be a string")),
        (None, Some(Value::Array(items))) => {
            let mut names = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(s) => names.push(s.clone()),
                    _ => return Err(unproc("names must be an array of strings")),
                }
            }
            (Shape::Multi, names)
        }
        (None, Some(_)) => return Err(unproc("names must be an array of strings")),
        (None, None) => return Err(unproc("name (or names) is required")),
    };
    if names.is_empty() {
        return Err(unproc("names must contain at least one name"));
    }
    if names.len() > MAX_NAMES {
        return Err(unproc(format!(
            "You can create at most {MAX_NAMES} Droplets per request; {} names were given.",
            names.len()
        )));
    }
    for n in &names {
        validate::droplet_name(n).map_err(unproc)?;
    }
    let size_slug = match body.get("size") {
        Some(Value::String(s)) => s.as_str(),
        None | Some(Value::Null) => return Err(unproc("size is required")),
        Some(_) => return Err(unproc("size must be a string slug")),
    };
    let image = match body.get("image") {
        Some(Value::String(s)) => catalogue::image(s),
        Some(Value::Number(n)) => n.as_u64().and_then(catalogue::image_by_id),
        None | Some(Value::Null) => return Err(unproc("image is required")),
        Some(_) => return Err(unproc("image must be a slug or an integer id")),
    };
    let Some(image) = image else {
        return Err(unproc(format!(
            "You specified an invalid image for Droplet creation: {} is not a known image.",
            body["image"]
        )));
    };
    let Some(size) = catalogue::size(size_slug) else {
        return Err(unproc(format!(
            "You specified an invalid size for Droplet creation: {size_slug:?} is not a known size."
        )));
    };
    let region_arg = match body.get("region") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(unproc("region must be a string slug")),
    };
    let region = match region_arg {
        Some(slug) => match catalogue::region(slug) {
            Some(r) if !r.available => {
                return Err(unproc(format!(
                    "Region {slug} is not available for new Droplets."
                )));
            }
            Some(r) => r,
            // A prefix such as "nyc" means any datacenter of that region (spec): first one offering the size.
            None => REGIONS
                .iter()
                .find(|r| r.slug.trim_end_matches(|c: char| c.is_ascii_digit()) == slug && size.offered_in(r))
                .ok_or_else(|| {
                    unproc(format!(
                        "You specified an invalid region for Droplet creation: {slug:?} is not a known region."
                    ))
                })?,
        },
        // No region: "may deploy in any region"; we pick the first available one offering the size.
        None => REGIONS
            .iter()
            .find(|r| size.offered_in(r))
            .ok_or_else(|| unproc(format!("Size {size_slug} is not available in any region.")))?,
    };
    if !size.offered_in(region) {
        return Err(unproc(format!(
            "Size {size_slug} is not available in region {}.",
            region.slug
        )));
    }
    let mut ssh_keys = Vec::new();
    match body.get("ssh_keys") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let ident = match item {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err(unproc("ssh_keys must contain integer ids or fingerprints")),
                };
                match state.find_key(&ident) {
                    Some(k) => ssh_keys.push(k.id),
                    None => {
                        return Err(unproc(format!(
                            "SSH key {ident} was not found on this account."
                        )));
                    }
                }
            }
        }
        Some(_) => return Err(unproc("ssh_keys must be an array")),
    }
    let mut tags = Vec::new();
    match body.get("tags") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let Value::String(t) = item else {
                    return Err(unproc("tags must be an array of strings"));
                };
                validate::tag_name(t).map_err(unproc)?;
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
        }
        Some(_) => return Err(unproc("tags must be an array of strings")),
    }
    match body.get("user_data") {
        None | Some(Value::Null) => {}
        Some(Value::String(u)) if u.len() > MAX_USER_DATA => {
            return Err(unproc(format!(
                "user_data is {} bytes; at most {MAX_USER_DATA} bytes (64 KiB) are allowed.",
                u.len()
            )));
        }
        Some(Value::String(_)) => {}
        Some(_) => return Err(unproc("user_data must be a string")),
    }
    let ipv6 = opt_bool(body, "ipv6")?;
    let backups = opt_bool(body, "backups")?;
    let monitoring = opt_bool(body, "monitoring")?;
    opt_bool(body, "private_networking")?;
    if body.get("public_networking") == Some(&Value::Bool(false)) && ipv6 {
        return Err(unproc("ipv6 requires public_networking"));
    }
    let vpc_uuid = match body.get("vpc_uuid") {
        None | Some(Value::Null) => state.default_vpc(region.slug).unwrap_or_default(),
        Some(Value::String(id)) => {
            let vpc = state.data.vpcs.iter().find(|v| v["id"] == id.as_str());
            match vpc {
                Some(v) if v["region"] == region.slug => id.clone(),
                Some(_) => {
                    return Err(unproc(format!(
                        "VPC {id} is not in region {}.",
                        region.slug
                    )));
                }
                None => return Err(unproc(format!("VPC {id} was not found."))),
            }
        }
        Some(_) => return Err(unproc("vpc_uuid must be a string")),
    };
    Ok((
        shape,
        CreateSpec {
            names,
            region: region.slug.into(),
            size: size.slug.into(),
            image: image.id,
            tags,
            ipv6,
            backups,
            monitoring,
            vpc_uuid,
            ssh_keys,
            initial_status: None,
        },
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sandbox::state::Settings;

    #[test]
    fn rules_table() {
        let state = State::fresh(
            Settings {
                boot_ms: 0,
                action_ms: 0,
                public_ip: None,
            },
            0,
        );
        let base = json!({"name": "web-1", "region": "nyc1", "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"});
        let with = |k: &str, v: Value| {
            let mut b = base.clone();
            b[k] = v;
            b
        };
        let eleven: Vec<String> = (0..11).map(|i| format!("n{i}")).collect();
        // (body, expected status or 0 for success)
        let cases: Vec<(Value, u16)> = vec![
            (base.clone(), 0),
            (with("region", json!("nyc")), 0),
            (with("image", json!(160232537)), 0),
            (with("name", json!("bad_name")), 422),
            (with("region", json!("mars1")), 422),
            (with("region", json!("nyc2")), 422),
            (with("size", json!("s-99vcpu")), 422),
            (
                {
                    let mut b = with("region", json!("blr1"));
                    b["size"] = json!("c-2");
                    b
                },
                422,
            ),
            (with("image", json!("nope")), 422),
            (with("ssh_keys", json!([123])), 422),
            (with("tags", json!(["ok", "not ok"])), 422),
            (with("user_data", json!("x".repeat(MAX_USER_DATA + 1))), 422),
            (with("user_data", json!("x".repeat(MAX_USER_DATA))), 0),
            (
                json!({"names": eleven, "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}),
                422,
            ),
            (
                json!({"names": ["a", "b"], "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}),
                0,
            ),
            (json!({"name": "a", "image": "ubuntu-24-04-x64"}), 422),
            (json!({"name": "a", "size": "s-1vcpu-1gb"}), 422),
            (json!([1]), 400),
        ];
        for (body, want) in cases {
            let got = parse(&state, &body).map(|_| 0).unwrap_or_else(|e| e.status);
            assert_eq!(got, want, "body {body}");
        }
    }
}
