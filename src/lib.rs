//! stagecraft: make DigitalOcean droplets match a declarative `stagecraft.yml`.
//!
//! The map. Each module owns one concern and may call only the modules listed after "calls"; everything
//! points down, and nothing but `output` prints.
//!
//! | module | owns | calls |
//! |---|---|---|
//! | `cli` | arguments (clap), the session (config, token, client), one thin file per command, exit codes | everything below |
//! | `output` | all printing: plans, reports, progress, status, errors | the data types it renders |
//! | `apply` | carrying out a plan: `engine` orders the steps; `create` (exactly-once batches), `delete` (by id, or the env by tag), `retag`, `inplace` and `resize` (pure step machines), `watch` (the poll loop, and converging with a concurrent apply); `network` (the env's networking after the droplets, and a replacement's hand-over); `adopt`; the env lock; saved plans | `plan`, `network`, `ownership`, `provider`, `config`, `clock` |
//! | `plan` | the pure diff of desired hosts against live droplets (`diff`, the per-field rules in `fields`), its data (`model`), `status` rows, catalogue checks, and `make`/`live`: the GETs a plan needs, split by owner; `network`: the networking entries | `network`, `ownership`, `provider`, `config` |
//! | `exec` | hosts over the system's OpenSSH: targets, quoting, fan-out, retries, shared connections, containers; `ssh` logins and `inventory` | `plan`, `ownership`, `provider`, `config` |
//! | `network` | an env's firewalls, DNS records, project and reserved IPs: the config resolved (`spec`), the few GETs (`live`), the pure diff (`diff`, `firewalls`, `records`) and its data (`model`: entries with a `kind`, conflicts), the checks against the account, `apply` and its waits, a replacement's DNS `handover` | `ownership`, `provider`, `config`, `clock` |
//! | `account` | `status --account`: the account's other droplets, domains, projects, firewalls, VPCs, reserved IPs, Functions namespaces, and name conflicts | `provider`, `ownership`, `config` |
//! | `ingest` | the account's inventory into PostgreSQL or SQLite, runs and audit rows, `apply --db`'s action log | `provider`, `clock` |
//! | `config` | `stagecraft.yml`: parsing with positions, validation with file:line, resolution into `DesiredHost`s | `ownership` (tag names), `clock` (the duration syntax), `provider` (`url`: the API address check) |
//! | `ownership` | which droplets and tags are stagecraft's: tag names and prefixes, the scope of a config (`name:`), the hashes carried as tags, earlier builds' spec hash, what a retag may remove and in what order; the names derived for firewalls, records and the project, the group tags, whose firewalls and records are ours, firewall rules normalised | `provider` (the `Droplet` model only) |
//! | `provider` | the DigitalOcean API: the only place a `/v2` path or a request body is written; one file per resource (`droplets`, `actions`, `tags`, `catalog`, `inventory`, `account_view`, `firewalls`, `domains`, `projects`, `reserved_ips`) over the wire (`client`: retries; `wire`: one exchange, auth, the audit line; `budget`: requests in flight and per minute; `pacing`: the hourly budget; `parallel`; `pages`; `listings`: several listings at once as text, for ingest; `audit`) | `clock` |
//! | `sandbox` | a local DigitalOcean API for tests and offline use; imports nothing of the product but the duration syntax | `clock` (`parse_duration` only) |
//! | `clock` | time, injectable: every wait goes through it so tests never sleep; the one duration syntax | — |
//! | `exit` | the one table of exit codes | — |
//! | `parallel` | bounded parallelism on scoped threads, results in order (exec's fan-out, provider's requests) | — |
//! | `natural` | the natural order of names (`web-2` before `web-10`), for every listing and plan | — |

pub mod account;
pub mod apply;
pub mod cli;
pub mod clock;
pub mod config;
pub mod exec;
pub mod exit;
pub mod ingest;
pub mod natural;
pub mod network;
pub mod output;
pub mod ownership;
pub mod parallel;
pub mod plan;
pub mod provider;
pub mod sandbox;

use std::ffi::OsString;
use std::process::ExitCode;

/// `0.1.0 (1a2b3c4d5 2026-11-22)`: the version, git commit and build date (`build.rs`), as `--version`
/// prints it.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("STAGECRAFT_GIT_COMMIT"),
    " ",
    env!("STAGECRAFT_BUILD_DATE"),
    ")"
);

/// Runs the command line `args` (program name first) and returns the process exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    cli::run(args)
}
