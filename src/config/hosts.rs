//! Desired hosts of an environment: `count` expanded, provider defaults applied, names and tags derived.

use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::model::{ChangePolicy, OnChange};
use super::readiness::{self, ReadyCheck};
use super::{Config, Pos, Problem};
use crate::ownership::Wanted;
use crate::ownership::hashes::{LegacySettings, keys_hash, user_data_hash};

pub const DEFAULT_IMAGE: &str = "ubuntu-22-04-x64";
/// The API's limit on `user_data`.
pub const MAX_USER_DATA: usize = 64 * 1024;

/// How `exec` reaches a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SshTarget {
    pub user: String,
    pub port: u16,
    pub identity_file: Option<PathBuf>,
}

/// One droplet the config asks for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DesiredHost {
    pub env: String,
    /// The host name in the config, e.g. `app-1`.
    pub name: String,
    /// `{env}-{name}`, the droplet's name.
    pub droplet_name: String,
    pub role: String,
    pub size: String,
    pub region: String,
    pub image: String,
    /// The user's own tags, sorted; stagecraft's tags are added by [`DesiredHost::tags`].
    pub user_tags: Vec<String>,
    #[serde(skip)]
    pub user_data: Option<String>,
    pub vpc_uuid: Option<String>,
    pub monitoring: bool,
    pub ipv6: bool,
    pub backups: bool,
    /// Names of the SSH keys installed at creation, sorted.
    pub ssh_keys: Vec<String>,
    /// What a change of user data does: replace (default) or ignore.
    pub on_user_data_change: ChangePolicy,
    /// What a change of SSH keys does: ignore (default: they only matter to new droplets) or replace.
    pub on_ssh_keys_change: ChangePolicy,
    /// Never deleted or replaced while its droplet carries the protect tag.
    pub protect: bool,
    /// The config's top-level `name:`.
    pub config_name: Option<String>,
    /// The droplet carries its env+role group tag (the config has firewalls, which target it).
    pub grouped: bool,
    /// The reserved IP the droplet should hold.
    pub reserved_ip: Option<String>,
    pub ssh: SshTarget,
    /// When its new droplet counts as ready (how apply waits, not what the droplet is: not in plans).
    #[serde(skip)]
    pub ready: ReadyCheck,
    #[serde(skip)]
    pub pos: Pos,
}

impl DesiredHost {
    /// The tags stagecraft wants on this host's droplet (see [`crate::ownership`]).
    pub fn wanted(&self) -> Wanted {
        Wanted {
            env: self.env.clone(),
            role: self.role.clone(),
            user_tags: self.user_tags.clone(),
            user_data_hash: user_data_hash(self.user_data.as_deref()),
            keys_hash: keys_hash(&self.ssh_keys),
            protect: self.protect,
            config_name: self.config_name.clone(),
            grouped: self.grouped,
        }
    }

    /// Every tag the droplet is created with: stagecraft's own, then the user's.
    pub fn tags(&self) -> Vec<String> {
        self.wanted().all()
    }

    /// The settings hashed by the spec tag of earlier builds, as this host has them now.
    pub fn legacy_settings(&self) -> LegacySettings<'_> {
        LegacySettings {
            user_data: self.user_data.as_deref(),
            ssh_key: self.ssh_keys.first().map_or("", String::as_str),
            vpc_uuid: self.vpc_uuid.as_deref(),
            monitoring: self.monitoring,
            ipv6: self.ipv6,
            backups: self.backups,
        }
    }

    /// `user_data` as shown to people: its size and hash, never its text (it may hold secrets).
    pub fn user_data_summary(&self) -> Option<String> {
        self.user_data.as_ref().map(|d| {
            let digest = Sha256::digest(d.as_bytes());
            let short: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
            format!("{} bytes, sha256 {short}", d.len())
        })
    }
}

/// Expands `env` into every host that could be built, with every problem found on the way.
pub fn expand(config: &Config, env: &str) -> (Vec<DesiredHost>, Vec<Problem>) {
    let provider = config.provider();
    let Some(hosts) = provider.hosts.get(env) else {
        return (Vec::new(), Vec::new());
    };
    let mut problems = Vec::new();
    let mut out: Vec<DesiredHost> = Vec::new();
    for (key, host) in hosts {
        let path = ["cloud", "providers", "digitalocean", "hosts", env, key];
        let pos = config.position(&path);
        let here = |field: &str| {
            let mut p = path.to_vec();
            p.push(field);
            (config.position(&p), p.join("."))
        };
        let mut problem = |(pos, path): (Pos, String), message: String| {
            problems.push(Problem { pos, path, message })
        };

        let names: Vec<String> = match host.count {
            Some(n) => (1..=n).map(|i| format!("{key}-{i}")).collect(),
            None => vec![key.clone()],
        };
        let role = host.role.clone().unwrap_or_else(|| default_role(key));
        let Some(size) = host.size.clone().or_else(|| provider.default_size.clone()) else {
            problem(
                here(""),
                format!("host `{key}` has no `size` and the provider has no `default_size`"),
            );
            continue;
        };
        let Some(region) = host
            .region
            .clone()
            .or_else(|| provider.default_region.clone())
        else {
            problem(
                here(""),
                format!("host `{key}` has no `region` and the provider has no `default_region`"),
            );
            continue;
        };
        let image = host
            .image
            .clone()
            .or_else(|| provider.default_image.clone())
            .unwrap_or_else(|| DEFAULT_IMAGE.to_string());
        let mut user_tags: Vec<String> = host
            .tags
            .clone()
            .or_else(|| provider.tags.clone())
            .unwrap_or_default();
        user_tags.sort();
        user_tags.dedup();

        let user_data = match (&host.user_data, &host.user_data_file) {
            (Some(_), Some(_)) => {
                problem(
                    here("user_data_file"),
                    "set either `user_data` or `user_data_file`, not both".into(),
                );
                None
            }
            (Some(inline), None) => Some(inline.clone()),
            (None, Some(file)) => read_user_data(config.dir(), file)
                .map_err(|m| problem(here("user_data_file"), m))
                .ok(),
            (None, None) => match (&provider.user_data, &provider.user_data_file) {
                (Some(inline), _) => Some(inline.clone()),
                (None, Some(file)) => read_user_data(config.dir(), file)
                    .map_err(|m| {
                        problem(
                            (
                                config.position(&[
                                    "cloud",
                                    "providers",
                                    "digitalocean",
                                    "user_data_file",
                                ]),
                                "cloud.providers.digitalocean.user_data_file".into(),
                            ),
                            m,
                        )
                    })
                    .ok(),
                (None, None) => None,
            },
        };
        if let Some(data) = &user_data
            && data.len() > MAX_USER_DATA
        {
            problem(
                here("user_data"),
                format!(
                    "user data is {} bytes; DigitalOcean accepts at most 64 KiB",
                    data.len()
                ),
            );
        }
        let ssh = merge_ssh(config, provider.ssh.as_ref(), host.ssh.as_ref());
        let (wide, own) = (
            provider.on_change.unwrap_or_default(),
            host.on_change.unwrap_or_default(),
        );
        let on_change = OnChange {
            user_data: own.user_data.or(wide.user_data),
            ssh_keys: own.ssh_keys.or(wide.ssh_keys),
        };
        let ready = match readiness::resolve(provider.ready.as_ref(), host.ready.as_ref()) {
            Ok(ready) => ready,
            Err(p) => {
                // The key at fault is the host's own when it sets it, else the provider's.
                let own = host.ready.as_ref().is_some_and(|r| match p.key {
                    "ssh" => r.ssh.is_some(),
                    _ => r.timeout.is_some(),
                });
                let at: Vec<&str> = if own {
                    [&path[..], &["ready", p.key]].concat()
                } else {
                    vec!["cloud", "providers", "digitalocean", "ready", p.key]
                };
                let at = (config.position(&at), at.join("."));
                problem(at, p.message);
                ReadyCheck::default()
            }
        };
        for name in names {
            out.push(DesiredHost {
                env: env.to_string(),
                droplet_name: format!("{env}-{name}"),
                name,
                role: role.clone(),
                size: size.clone(),
                region: region.clone(),
                image: image.clone(),
                user_tags: user_tags.clone(),
                user_data: user_data.clone(),
                vpc_uuid: host.vpc_uuid.clone().or_else(|| provider.vpc_uuid.clone()),
                monitoring: host.monitoring.or(provider.monitoring).unwrap_or(false),
                ipv6: host.ipv6.or(provider.ipv6).unwrap_or(false),
                backups: host.backups.or(provider.backups).unwrap_or(false),
                ssh_keys: provider.key_names(),
                on_user_data_change: on_change.user_data.unwrap_or(ChangePolicy::Replace),
                on_ssh_keys_change: on_change.ssh_keys.unwrap_or(ChangePolicy::Ignore),
                protect: host.protect.or(provider.protect).unwrap_or(false),
                config_name: config.file.name.clone(),
                grouped: provider.firewalls.as_ref().is_some_and(|f| !f.is_empty()),
                reserved_ip: host.reserved_ip.clone(),
                ssh: ssh.clone(),
                ready,
                pos,
            });
        }
    }
    out.sort_by(|a, b| crate::natural::cmp(&a.droplet_name, &b.droplet_name));
    for pair in out.windows(2) {
        if pair[0].droplet_name == pair[1].droplet_name {
            problems.push(Problem {
                pos: pair[1].pos,
                path: format!("cloud.providers.digitalocean.hosts.{env}"),
                message: format!(
                    "host `{}` is defined twice in `{env}` (a `count` group expands to it too)",
                    pair[1].name
                ),
            });
        }
    }
    (out, problems)
}

/// `app-1` plays role `app`; a name without a number is its own role.
fn default_role(key: &str) -> String {
    match key.rsplit_once('-') {
        Some((base, n))
            if !base.is_empty() && !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) =>
        {
            base.to_string()
        }
        _ => key.to_string(),
    }
}

/// Reads at most one byte past the API's limit: a larger file is refused without being read whole.
fn read_user_data(dir: &Path, file: &str) -> Result<String, String> {
    let path = dir.join(file);
    match super::read_bounded(&path, MAX_USER_DATA as u64) {
        Ok(Some(text)) => Ok(text),
        Ok(None) => Err(format!(
            "user_data_file {} is larger than 64 KiB, the most DigitalOcean accepts",
            path.display()
        )),
        Err(e) => Err(format!(
            "cannot read user_data_file {}: {e}",
            path.display()
        )),
    }
}

fn merge_ssh(
    config: &Config,
    provider: Option<&super::model::Ssh>,
    host: Option<&super::model::Ssh>,
) -> SshTarget {
    let pick = |f: fn(&super::model::Ssh) -> Option<String>| {
        host.and_then(f).or_else(|| provider.and_then(f))
    };
    let port = host
        .and_then(|s| s.port)
        .or_else(|| provider.and_then(|s| s.port))
        .unwrap_or(22);
    SshTarget {
        user: pick(|s| s.user.clone()).unwrap_or_else(|| "root".into()),
        port,
        identity_file: pick(|s| s.identity_file.clone()).map(|f| resolve_path(config.dir(), &f)),
    }
}

fn resolve_path(dir: &Path, file: &str) -> PathBuf {
    if let Some(rest) = file.strip_prefix("~/")
        && let Some(home) = std::env::var_os("HOME")
    {
        return PathBuf::from(home).join(rest);
    }
    dir.join(file)
}

#[cfg(test)]
impl DesiredHost {
    /// A staging host with plain defaults, for unit tests to adjust.
    pub(crate) fn example(name: &str) -> DesiredHost {
        DesiredHost {
            env: "staging".into(),
            name: name.into(),
            droplet_name: format!("staging-{name}"),
            role: "app".into(),
            size: "s-1vcpu-1gb".into(),
            region: "nyc1".into(),
            image: DEFAULT_IMAGE.into(),
            user_tags: vec![],
            user_data: None,
            vpc_uuid: None,
            monitoring: false,
            ipv6: false,
            backups: false,
            ssh_keys: vec!["k".into()],
            on_user_data_change: ChangePolicy::Replace,
            on_ssh_keys_change: ChangePolicy::Ignore,
            protect: false,
            config_name: None,
            grouped: false,
            reserved_ip: None,
            ssh: SshTarget {
                user: "root".into(),
                port: 22,
                identity_file: None,
            },
            ready: ReadyCheck::default(),
            pos: Pos::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_roles() {
        for (key, role) in [
            ("app-1", "app"),
            ("db-12", "db"),
            ("web", "web"),
            ("a-b", "a-b"),
            ("-1", "-1"),
        ] {
            assert_eq!(default_role(key), role, "{key}");
        }
    }
}
