//! `stagecraft.yml`: loading, validation with file:line:column for every problem, and resolution into settings.

pub mod env_vars;
pub mod hosts;
pub mod located;
pub mod model;
pub mod names;
pub mod network;
mod network_check;
pub mod readiness;
pub mod rules;
pub mod schema_check;

use std::path::{Path, PathBuf};

pub use env_vars::EnvVars;
pub use hosts::{DesiredHost, SshTarget};
pub use located::Pos;
pub use model::ConfigFile;
pub use readiness::ReadyCheck;

/// One thing wrong with the config, and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub pos: Pos,
    /// The dotted key path, e.g. `cloud.providers.digitalocean.hosts.staging.app-1.size`.
    pub path: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} is larger than {} MiB; is it the right file?", path.display(), limit / (1024 * 1024))]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render_problems(path, problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
    #[error("{0}")]
    Env(String),
}

fn render_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "{} has {} problem{}:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        out.push_str(&format!(
            "\n  {}:{}:{}: {}",
            path.display(),
            p.pos.line,
            p.pos.col,
            p.message
        ));
    }
    out
}

/// A loaded, valid config file.
/// Far above any real config (150,000 hosts fit in 8 MiB), far below what would exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 32 * 1024 * 1024;

/// Reads a regular file of at most `limit` bytes; `Ok(None)` when it is larger. Devices, FIFOs and
/// directories are refused before anything is read, so `/dev/zero` or a pipe cannot hang or fill memory.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Option<String>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a device, pipe or socket)"
        };
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("it is {kind}"),
        ));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Ok(None);
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub file: ConfigFile,
    root: located::Node,
    /// Where each key path stands, indexed once: `position` is asked once per host, and a walk of the
    /// YAML maps each time would make validation quadratic in the number of hosts.
    positions: std::collections::HashMap<String, Pos>,
    /// The hosts of each environment, expanded once at load.
    hosts: std::collections::BTreeMap<String, Vec<DesiredHost>>,
}

impl Config {
    /// Reads and validates `path`. Every problem found offline is reported at once.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = read_bounded(path, MAX_CONFIG_BYTES)
            .map_err(|source| ConfigError::Read {
                path: path.to_path_buf(),
                source,
            })?
            .ok_or_else(|| ConfigError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_CONFIG_BYTES,
            })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let invalid = |problems: Vec<Problem>| ConfigError::Invalid {
            path: path.to_path_buf(),
            problems,
        };
        let root = match located::parse(text) {
            Ok(Some(root)) => root,
            Ok(None) => {
                return Err(invalid(vec![Problem {
                    pos: Pos { line: 1, col: 1 },
                    path: String::new(),
                    message: "the file is empty; see examples/stagecraft.yml for a starting point"
                        .into(),
                }]));
            }
            Err(e) => {
                return Err(invalid(vec![Problem {
                    pos: e.pos,
                    path: String::new(),
                    message: format!("YAML syntax error: {}", e.message),
                }]));
            }
        };
        let mut problems = Vec::new();
        rules::check_token_lookalikes(&root, &mut problems);
        schema_check::check(&root, &model::json_schema(), &mut problems);
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(invalid(problems));
        }
        let file: ConfigFile = serde_yaml_ng::from_str(text).map_err(|e| {
            let pos = e
                .location()
                .map(|l| Pos {
                    line: l.line(),
                    col: l.column(),
                })
                .unwrap_or_default();
            invalid(vec![Problem {
                pos,
                path: String::new(),
                message: e.to_string(),
            }])
        })?;
        let mut config = Config {
            path: path.to_path_buf(),
            file,
            positions: index_positions(&root),
            root,
            hosts: Default::default(),
        };
        let (mut problems, hosts) = rules::check(&config);
        config.hosts = hosts;
        problems.extend(network::check(&config));
        if !problems.is_empty() {
            problems.sort();
            problems.dedup();
            return Err(invalid(problems));
        }
        Ok(config)
    }

    pub fn dir(&self) -> &Path {
        self.path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    pub fn provider(&self) -> &model::DigitalOcean {
        &self.file.cloud.providers.digitalocean
    }

    /// The environments the config defines, sorted.
    pub fn env_names(&self) -> Vec<&str> {
        self.provider().hosts.keys().map(String::as_str).collect()
    }

    /// Picks the environment: `requested` (from `--env` or `STAGECRAFT_ENV`), else `default_env`, else the
    /// only one defined.
    pub fn select_env(&self, requested: Option<&str>) -> Result<String, ConfigError> {
        let names = self.env_names();
        let listed = || names.join(", ");
        if let Some(env) = requested.or(self.file.default_env.as_deref()) {
            if names.contains(&env) {
                return Ok(env.to_string());
            }
            let hint = schema_check::did_you_mean(env, &names)
                .map(|c| format!(" Did you mean `{c}`?"))
                .unwrap_or_default();
            return Err(ConfigError::Env(format!(
                "environment `{env}` is not defined in {} (it defines: {}).{hint} Add hosts under `cloud.providers.digitalocean.hosts.{env}` or pick one with --env.",
                self.path.display(),
                listed()
            )));
        }
        match names.as_slice() {
            [only] => Ok(only.to_string()),
            [] => Err(ConfigError::Env(format!(
                "{} defines no environments under `hosts`",
                self.path.display()
            ))),
            _ => Err(ConfigError::Env(format!(
                "{} defines several environments ({}); choose one with --env ENV, STAGECRAFT_ENV or `default_env`",
                self.path.display(),
                listed()
            ))),
        }
    }

    /// The hosts of `env`, expanded (`count`) and with provider defaults applied, sorted by droplet name.
    /// Which droplets of `env` are this config's.
    pub fn scope(&self, env: &str) -> crate::ownership::Scope {
        crate::ownership::Scope::new(env, self.file.name.as_deref())
    }

    pub fn desired_hosts(&self, env: &str) -> Vec<DesiredHost> {
        self.hosts.get(env).cloned().unwrap_or_default()
    }

    /// Where a key path stands in the file (for errors found after loading): the deepest part of `path`
    /// that exists.
    pub fn position(&self, path: &[&str]) -> Pos {
        (0..=path.len())
            .rev()
            .find_map(|n| self.positions.get(&path_key(&path[..n])))
            .copied()
            .unwrap_or(self.root.pos)
    }
}

/// Key paths joined with a byte no YAML key here contains.
fn path_key(path: &[&str]) -> String {
    path.join("\u{1f}")
}

/// The position of every mapping value, by its key path (for a block mapping, its key's: the mapping
/// itself starts where its first key does, on a line below the key a problem about it concerns), and of
/// every sequence item (its index, `0`, `1`, ..., as a path part).
fn index_positions(root: &located::Node) -> std::collections::HashMap<String, Pos> {
    let mut index = std::collections::HashMap::new();
    let mut stack: Vec<(Vec<String>, Pos, &located::Node)> = vec![(Vec::new(), root.pos, root)];
    while let Some((path, pos, node)) = stack.pop() {
        let parts: Vec<&str> = path.iter().map(String::as_str).collect();
        index.insert(path_key(&parts), pos);
        match &node.value {
            located::Value::Map(entries) => {
                for (key, value) in entries {
                    if let Some(name) = key.as_str() {
                        let mut child = path.clone();
                        child.push(name.to_string());
                        let pos = match value.value {
                            located::Value::Map(_) if value.pos.line > key.pos.line => key.pos,
                            _ => value.pos,
                        };
                        stack.push((child, pos, value));
                    }
                }
            }
            located::Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let mut child = path.clone();
                    child.push(i.to_string());
                    stack.push((child, item.pos, item));
                }
            }
            _ => {}
        }
    }
    index
}
