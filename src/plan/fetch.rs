//! Gathers what a plan is computed from, with GETs only: the catalogue, the env's droplets and name conflicts.

use std::collections::{BTreeMap, BTreeSet};

use super::checks::Catalog;
use crate::config::DesiredHost;
use crate::config::hosts::env_tag;
use crate::provider::{Client, Droplet, Image, ProviderError, encode};

/// Regions, sizes, SSH keys and each distinct image the hosts name.
pub fn catalog(client: &Client, desired: &[DesiredHost]) -> Result<Catalog, ProviderError> {
    let regions = client.list_all("/v2/regions", "regions")?;
    let sizes = client.list_all("/v2/sizes", "sizes")?;
    let ssh_keys = client.list_all("/v2/account/keys", "ssh_keys")?;
    let mut images = BTreeMap::new();
    let wanted: BTreeSet<&str> = desired.iter().map(|h| h.image.as_str()).collect();
    for image in wanted {
        let found = match client.get::<Image>(&format!("/v2/images/{}", encode(image)), "image") {
            Ok(found) => Some(found),
            Err(ProviderError::Api { status: 404, .. }) => None,
            Err(e) => return Err(e),
        };
        images.insert(image.to_string(), found);
    }
    Ok(Catalog {
        regions,
        sizes,
        images,
        ssh_keys,
    })
}

/// The env's managed droplets: those carrying `stagecraft:env:{env}`, every page, or an error.
pub fn live(client: &Client, env: &str) -> Result<Vec<Droplet>, ProviderError> {
    let mut droplets: Vec<Droplet> = client.list_all(
        &format!("/v2/droplets?tag_name={}", encode(&env_tag(env))),
        "droplets",
    )?;
    droplets.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(droplets)
}

/// Droplets without the env tag whose names are in `names`. Costs the cheaper of one exact-name lookup per
/// name and a walk of the whole account (learned from one `per_page=1` probe of `meta.total`).
pub fn same_name_unmanaged(
    client: &Client,
    env: &str,
    names: &[&str],
) -> Result<Vec<Droplet>, ProviderError> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let tag = env_tag(env);
    let mut found: Vec<Droplet> = Vec::new();
    let walk_pages = if names.len() > 2 {
        let probe = client.send(
            "GET",
            "/v2/droplets?per_page=1",
            None,
            crate::provider::RetryMode::Idempotent,
        )?;
        let total = probe
            .body
            .pointer("/meta/total")
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(u64::MAX);
        Some(total.div_ceil(u64::from(crate::provider::client::PER_PAGE)))
    } else {
        None
    };
    match walk_pages {
        Some(pages) if pages < names.len() as u64 => {
            let wanted: BTreeSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
            client.list_pages("/v2/droplets", "droplets", |items| {
                for item in items {
                    let droplet: Droplet =
                        serde_json::from_value(item).map_err(|e| ProviderError::Decode {
                            method: "GET".into(),
                            path: "/v2/droplets".into(),
                            message: e.to_string(),
                        })?;
                    if wanted.contains(&droplet.name.to_ascii_lowercase()) {
                        found.push(droplet);
                    }
                }
                Ok::<(), ProviderError>(())
            })?;
        }
        _ => {
            for name in names {
                found.extend(client.list_all::<Droplet>(
                    &format!("/v2/droplets?name={}", encode(name)),
                    "droplets",
                )?);
            }
        }
    }
    found.retain(|d| !d.has_tag(&tag));
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(found)
}
