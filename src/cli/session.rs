//! A command's resolved surroundings: output, config, environment, data directory and the API client.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};

use super::args::GlobalArgs;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, EnvVars};
use crate::output::Out;
use crate::provider::audit::AuditLog;
use crate::provider::{Client, ClientOptions, Token, client::DEFAULT_API_URL};
use crate::sandbox::{Sandbox, SandboxOptions, SeedKey};

/// The public key given to the sandbox's seeded SSH key. It is never used to log in anywhere.
const SANDBOX_PUBLIC_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGd1c3RvZmFjdHVyZXNhbmRib3hrZXlvbmx5Zm9ydGVzdHM stagecraft-sandbox";

/// The seeded key of `name`: the account refuses one public key twice, so each name's differs in two
/// characters of its key material (still valid base64 of the same length), the same in every run.
fn sandbox_public_key(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let digest = sha2::Sha256::digest(name.as_bytes());
    let mut key = SANDBOX_PUBLIC_KEY.as_bytes().to_vec();
    // Inside the 32 key bytes, away from the base64 tail whose last bits must be zero.
    key[60] = ALPHABET[usize::from(digest[0]) % ALPHABET.len()];
    key[61] = ALPHABET[usize::from(digest[1]) % ALPHABET.len()];
    String::from_utf8(key).expect("ASCII")
}

use sha2::Digest;
use std::time::Duration;

use crate::provider::budget::Limits;

pub struct Session {
    pub out: Out,
    pub global: GlobalArgs,
    pub env_vars: EnvVars,
    pub clock: Arc<dyn Clock>,
    sandbox: Mutex<Option<Sandbox>>,
}

impl Drop for Session {
    fn drop(&mut self) {
        if let Some(sandbox) = self
            .sandbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            sandbox.shutdown();
        }
    }
}

impl Session {
    pub fn new(global: GlobalArgs, out: Out) -> anyhow::Result<Session> {
        let mut env_vars = EnvVars::from_process();
        let dotenv = match &global.env_file {
            Some(file) => {
                if !file.is_file() {
                    bail!("--env-file {}: no such file", file.display());
                }
                file.clone()
            }
            None => global
                .config
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."))
                .join(".env"),
        };
        env_vars
            .load_dotenv(&dotenv)
            .map_err(anyhow::Error::msg)
            .context("reading the .env file")?;
        Ok(Session {
            out,
            global,
            env_vars,
            clock: Arc::new(SystemClock),
            sandbox: Mutex::new(None),
        })
    }

    pub fn config(&self) -> anyhow::Result<Config> {
        let path = &self.global.config;
        if !path.exists() {
            bail!(
                "no config file at {} (looked for -c/--config, STAGECRAFT_CONFIG, then ./stagecraft.yml); start from examples/stagecraft.yml",
                path.display()
            );
        }
        Ok(Config::load(path)?)
    }

    /// The environment this command works on.
    pub fn env(&self, config: &Config) -> anyhow::Result<String> {
        Ok(config.select_env(self.global.env.as_deref())?)
    }

    /// Where stagecraft keeps its own files: `STAGECRAFT_DATA_DIR`, else the platform's data directory.
    /// The request budget: the config's `api:` block, `STAGECRAFT_MAX_IN_FLIGHT` over it.
    fn limits(&self, config: &Config) -> anyhow::Result<Limits> {
        let api = config.provider().api.unwrap_or_default();
        let mut limits = Limits::default();
        if let Some(n) = api.max_in_flight {
            limits.max_in_flight = n as usize;
        }
        if let Some(n) = api.per_minute {
            limits.per_minute = n;
        }
        if let Some(text) = self.env_vars.get("STAGECRAFT_MAX_IN_FLIGHT") {
            limits.max_in_flight = text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .with_context(|| {
                    format!(
                        "STAGECRAFT_MAX_IN_FLIGHT is `{text}`; give a whole number from 1 to 64"
                    )
                })?;
        }
        Ok(limits)
    }

    /// Where `--sandbox` keeps its account between commands.
    pub fn sandbox_state_file(&self) -> PathBuf {
        self.data_dir().join("sandbox").join("state.json")
    }

    pub fn data_dir(&self) -> PathBuf {
        if let Some(dir) = self.env_vars.get("STAGECRAFT_DATA_DIR") {
            return PathBuf::from(dir);
        }
        directories::ProjectDirs::from("", "", "stagecraft")
            .map(|d| d.data_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".stagecraft"))
    }

    /// The audit log: `STAGECRAFT_AUDIT_LOG`, else `audit.jsonl` in the data directory.
    pub fn audit_log_path(&self) -> PathBuf {
        match self.env_vars.get("STAGECRAFT_AUDIT_LOG") {
            Some(path) => PathBuf::from(path),
            None => self.data_dir().join("audit.jsonl"),
        }
    }

    /// An API client for `config`: the sandbox with `--sandbox`, else DigitalOcean (or `--api-url`) with
    /// the token from the variable named by `token_env`.
    pub fn client(&self, config: &Config) -> anyhow::Result<Client> {
        let provider = config.provider();
        let (base_url, token) = if self.global.sandbox {
            let (url, token) = self.start_sandbox(&provider.key_names())?;
            (url, Token::new(token))
        } else {
            let url = self
                .global
                .api_url
                .clone()
                .or_else(|| provider.api_url.clone())
                .unwrap_or_else(|| DEFAULT_API_URL.to_string());
            let name = &provider.token_env;
            let Some(token) = self.env_vars.get(name) else {
                let pos = config.position(&["cloud", "providers", "digitalocean", "token_env"]);
                bail!(
                    "the environment variable `{name}` (named by token_env at {}:{}:{}) is not set; export {name}=<your DigitalOcean token>, put it in .env beside the config, or try everything offline with --sandbox",
                    config.path.display(),
                    pos.line,
                    pos.col
                );
            };
            (url, Token::new(token))
        };
        let audit = AuditLog::open(&self.audit_log_path()).with_context(|| {
            format!("opening the audit log {}", self.audit_log_path().display())
        })?;
        let mut options = ClientOptions::new(&base_url, token);
        options.clock = self.clock.clone();
        let audit = Arc::new(audit);
        options.audit = Some(audit.clone());
        let out = self.out.clone();
        options.on_wait = Some(Arc::new(move |why: &str| out.note(why)));
        options.limits = self.limits(config)?;
        options.earlier_requests = audit.recent(self.clock.now(), Duration::from_secs(60));
        Ok(Client::new(options)?)
    }

    fn start_sandbox(&self, ssh_key_names: &[String]) -> anyhow::Result<(String, String)> {
        let mut slot = self
            .sandbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            let state_file = self.sandbox_state_file();
            let mut options = SandboxOptions {
                state_file: Some(state_file.clone()),
                seed_ssh_keys: ssh_key_names
                    .iter()
                    .map(|name| SeedKey {
                        name: name.clone(),
                        public_key: sandbox_public_key(name),
                    })
                    .collect(),
                ..SandboxOptions::default()
            };
            if let Some(boot) = self.env_vars.get("STAGECRAFT_SANDBOX_BOOT_TIME") {
                options.boot_time = crate::clock::parse_duration(boot)
                    .context("reading STAGECRAFT_SANDBOX_BOOT_TIME")?;
            }
            let sandbox = Sandbox::start(options).with_context(|| {
                format!(
                    "starting the local sandbox (state in {})",
                    state_file.display()
                )
            })?;
            *slot = Some(sandbox);
        }
        let sandbox = slot.as_ref().expect("started above");
        Ok((sandbox.base_url(), SandboxOptions::default().token))
    }
}
