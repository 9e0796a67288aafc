//! `stagecraft adopt HOST --id ID`: brings a droplet made outside stagecraft under management, after
//! checking that what it shows matches the host. Only tags are added; the next apply records the hashes.

use crate::config::DesiredHost;
use crate::ownership::scope::name_tag;
use crate::ownership::{MANAGED_TAG, env_tag, role_tag};
use crate::plan::fields::visible_changes;
use crate::provider::{Client, Droplet, ProviderError};

#[derive(Debug, thiserror::Error)]
pub enum AdoptError {
    #[error(transparent)]
    Provider(#[from] ProviderError),
    #[error(
        "no droplet has id {id} in this account; check the id with `doctl compute droplet list`"
    )]
    NotFound { id: u64 },
    #[error(
        "droplet {id} is named `{name}`, but host `{host}` is `{wanted}`; rename the droplet (or choose the host of that name) first"
    )]
    OtherName {
        id: u64,
        name: String,
        host: String,
        wanted: String,
    },
    #[error(
        "droplet `{name}` (id {id}) is already managed in environment `{env}`; nothing to adopt"
    )]
    AlreadyManaged { id: u64, name: String, env: String },
    #[error(
        "environment `{env}` already has a managed droplet `{name}` (id {other}); adopting {id} would make two"
    )]
    Taken {
        id: u64,
        other: u64,
        name: String,
        env: String,
    },
    #[error("droplet `{name}` (id {id}) does not match host `{host}`:{}\nChange the droplet or the config so they agree, then adopt again; nothing was changed", list(.fields))]
    Mismatch {
        id: u64,
        name: String,
        host: String,
        fields: Vec<String>,
    },
}

fn list(fields: &[String]) -> String {
    fields.iter().map(|f| format!("\n  {f}")).collect()
}

/// Adopts droplet `id` as `host`; returns the droplet as it was before and the tags added.
pub fn adopt(
    client: &Client,
    host: &DesiredHost,
    id: u64,
) -> Result<(Droplet, Vec<String>), AdoptError> {
    let droplet = client.droplet(id)?.ok_or(AdoptError::NotFound { id })?;
    if droplet.has_tag(&env_tag(&host.env)) {
        return Err(AdoptError::AlreadyManaged {
            id,
            name: droplet.name,
            env: host.env.clone(),
        });
    }
    if droplet.name != host.droplet_name {
        return Err(AdoptError::OtherName {
            id,
            name: droplet.name,
            host: host.name.clone(),
            wanted: host.droplet_name.clone(),
        });
    }
    // Any droplet of the env with this name, whichever config it belongs to, makes a second one.
    let managed = client.droplets_tagged(&env_tag(&host.env))?;
    if let Some(other) = managed.iter().find(|d| d.name == host.droplet_name) {
        return Err(AdoptError::Taken {
            id,
            other: other.id,
            name: host.droplet_name.clone(),
            env: host.env.clone(),
        });
    }
    // Power is not a setting: an adopted droplet that is off is powered on by the next apply.
    let fields: Vec<String> = visible_changes(host, &droplet)
        .into_iter()
        .filter(|c| c.field != "power")
        .map(|c| {
            format!(
                "{}: the droplet has {}, the host wants {}",
                c.field, c.from, c.to
            )
        })
        .collect();
    if !fields.is_empty() {
        return Err(AdoptError::Mismatch {
            id,
            name: droplet.name,
            host: host.name.clone(),
            fields,
        });
    }
    let config_tag = host.config_name.as_deref().map(name_tag);
    let added: Vec<String> = [
        MANAGED_TAG.to_string(),
        env_tag(&host.env),
        role_tag(&host.role),
    ]
    .into_iter()
    .chain(config_tag)
    .filter(|t| !droplet.has_tag(t))
    .collect();
    for tag in &added {
        // Tags no droplet carries yet must exist first; creating an existing one is harmless.
        client.create_tag(tag)?;
        client.tag_droplets(tag, &[id], true)?;
    }
    Ok((droplet, added))
}
