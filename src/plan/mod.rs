//! `plan`: the desired hosts diffed against the live droplets. The diff is pure; `fetch` does the GETs.

pub mod checks;
pub mod diff;
pub mod fields;
pub mod model;
pub mod network;
pub mod status;

pub use model::{Change, Conflict, Effect, Entry, Plan};

use crate::config::{Config, DesiredHost};
use crate::ownership::Scope;
use crate::ownership::names::in_env;
use crate::provider::{Catalog, Client, Droplet, ProviderError};

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Provider(Box<ProviderError>),
    #[error("{} is not valid for this account:{}", path, problems.iter().map(|p| format!("\n  {p}")).collect::<String>())]
    Catalog { path: String, problems: Vec<String> },
    #[error("the live state of `{env}` needs a person's attention before stagecraft will act:{}", conflicts.iter().map(|c| format!("\n  {c}")).collect::<String>())]
    Conflicts {
        env: String,
        conflicts: Vec<Conflict>,
    },
}

impl From<ProviderError> for PlanError {
    fn from(e: ProviderError) -> Self {
        PlanError::Provider(Box::new(e))
    }
}

/// The env's droplets, split by owner.
pub struct Live {
    /// This config's droplets (see [`Scope::belongs`]).
    pub ours: Vec<Droplet>,
    /// Droplets of the env that belong to another config: never changed, only reported.
    pub others: Vec<Droplet>,
}

impl Live {
    /// Droplets outside the env that hold names of `desired` no droplet of the env holds: looked up
    /// only for those names, so a steady env costs nothing here.
    pub fn unmanaged_holders(
        &self,
        client: &Client,
        env: &str,
        desired: &[DesiredHost],
    ) -> Result<Vec<Droplet>, ProviderError> {
        let missing: Vec<&str> = desired
            .iter()
            .filter(|h| {
                !(self.ours.iter())
                    .chain(&self.others)
                    .any(|d| d.name == h.droplet_name)
            })
            .map(|h| h.droplet_name.as_str())
            .collect();
        unmanaged_named(client, env, &missing)
    }
}

/// Lists the env (every page, or an error) and splits it by owner.
pub fn live(client: &Client, scope: &Scope) -> Result<Live, ProviderError> {
    let (ours, others) = client
        .droplets_tagged(&scope.env_tag())?
        .into_iter()
        .partition(|d| scope.owns(d));
    Ok(Live { ours, others })
}

/// A plan with the live droplets it was made from (apply acts on their ids).
pub struct Planned {
    pub plan: Plan,
    pub scope: Scope,
    /// Droplets of the env that belong to another config (never touched; a delete by tag would).
    pub others_in_env: usize,
    pub desired: Vec<DesiredHost>,
    pub live: Vec<Droplet>,
    /// The ids of the config's SSH keys, as create requests name them.
    pub ssh_keys: Vec<serde_json::Value>,
    /// The env's networking as the config asks it (empty for a destroy made without the config).
    pub network: crate::network::NetworkSpec,
}

/// Validates against the API, lists the env and diffs. GET requests only.
pub fn make(client: &Client, config: &Config, env: &str) -> Result<Planned, PlanError> {
    let desired = config.desired_hosts(env);
    let scope = config.scope(env);
    let spec = crate::network::NetworkSpec::new(config, env);
    let wants = crate::network::Wants::of(&spec, false);
    // The catalogue, the env listing and the networking GETs do not depend on each other: one round
    // trip for all.
    let (catalog, listed, net) = std::thread::scope(|s| {
        let listed = s.spawn(|| self::live(client, &scope));
        let net = s.spawn(|| crate::network::live::fetch(client, &spec, wants));
        let catalog = client.catalog(desired.iter().map(|h| h.image.as_str()));
        (
            catalog,
            crate::provider::catalog::join(listed),
            crate::provider::catalog::join(net),
        )
    });
    let catalog = catalog?;
    check_catalog(config, &desired, &catalog)?;
    let listed = listed?;
    let unmanaged = listed.unmanaged_holders(client, env, &desired)?;
    let Live { ours: live, others } = listed;
    let net = network::complete(client, &spec, net?, wants, &live)?;
    let prices = catalog.prices();
    let mut plan = diff::diff(&diff::Inputs {
        env,
        scope: &scope,
        desired: &desired,
        live: &live,
        unmanaged_same_name: &unmanaged,
        other_configs: &others,
        prices: &prices,
        account_keys: &catalog
            .ssh_keys
            .iter()
            .map(|k| k.name.clone())
            .collect::<Vec<_>>(),
    })
    .map_err(|conflicts| PlanError::Conflicts {
        env: env.to_string(),
        conflicts,
    })?;
    network::attach(config, &spec, &net, &mut plan, &desired, &live)?;
    let wanted = config.provider().key_names();
    let ssh_keys = (catalog.ssh_keys.iter())
        .filter(|k| wanted.contains(&k.name))
        .map(|k| serde_json::json!(k.id))
        .collect();
    Ok(Planned {
        plan,
        others_in_env: others.len(),
        scope,
        desired,
        live,
        ssh_keys,
        network: spec,
    })
}

/// The plan of `destroy`: every droplet of the env that is this config's goes (duplicates included),
/// nothing else is looked at. `priced`: one more request, for a prompt that shows what the droplets cost.
pub fn make_destroy(client: &Client, scope: &Scope, priced: bool) -> Result<Planned, PlanError> {
    let env = scope.env.as_str();
    let Live { ours: live, others } = self::live(client, scope)?;
    let prices: std::collections::BTreeMap<String, f64> = if live.is_empty() || !priced {
        Default::default()
    } else {
        client
            .sizes()?
            .into_iter()
            .map(|s| (s.slug, s.price_monthly))
            .collect()
    };
    let inputs = diff::Inputs {
        env,
        scope,
        desired: &[],
        live: &live,
        unmanaged_same_name: &[],
        other_configs: &[],
        prices: &prices,
        account_keys: &[],
    };
    let plan = diff::diff(&inputs).map_err(|conflicts| PlanError::Conflicts {
        env: env.to_string(),
        conflicts,
    })?;
    Ok(Planned {
        plan,
        others_in_env: others.len(),
        scope: scope.clone(),
        desired: Vec::new(),
        live,
        ssh_keys: Vec::new(),
        network: crate::network::NetworkSpec::none(scope),
    })
}

/// Droplets outside the env whose names are in `names`: they hold a name the config wants.
pub fn unmanaged_named(
    client: &Client,
    env: &str,
    names: &[&str],
) -> Result<Vec<Droplet>, ProviderError> {
    let mut found = client.droplets_named(names)?;
    found.retain(|d| !in_env(d, env));
    Ok(found)
}

/// The API-side checks of `validate` and `plan`.
pub fn check_catalog(
    config: &Config,
    desired: &[DesiredHost],
    catalog: &Catalog,
) -> Result<(), PlanError> {
    let provider = config.provider();
    let max_usd = provider.policy.as_ref().and_then(|p| p.max_monthly_usd);
    let key_names = provider.key_names();
    let wanted_keys: Vec<(&str, &str)> = key_names
        .iter()
        .map(|name| {
            let key = if provider.ssh_key_name.as_deref() == Some(name.as_str()) {
                "ssh_key_name"
            } else {
                "ssh_keys entry"
            };
            (key, name.as_str())
        })
        .collect();
    let problems = checks::check(desired, &wanted_keys, max_usd, catalog);
    if problems.is_empty() {
        return Ok(());
    }
    let path = config.path.display().to_string();
    let key = if provider.ssh_key_name.is_some() {
        "ssh_key_name"
    } else {
        "ssh_keys"
    };
    let key_pos = config.position(&["cloud", "providers", "digitalocean", key]);
    let problems = problems
        .into_iter()
        .map(|p| {
            let (line, col) = if p.line == 0 {
                (key_pos.line, key_pos.col)
            } else {
                (p.line, p.col)
            };
            format!("{path}:{line}:{col}: {}", p.message)
        })
        .collect();
    Err(PlanError::Catalog { path, problems })
}
