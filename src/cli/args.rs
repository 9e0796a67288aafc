//! The command line, as clap types. Parsed once, then resolved into a [`super::Session`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::clock::parse_duration;

#[derive(Debug, Parser)]
#[command(
    name = "stagecraft",
    version = crate::LONG_VERSION,
    about = "Make DigitalOcean droplets match stagecraft.yml: plan, apply, ingest, exec, sandbox."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options of every command, shown after each command's own (a command they do nothing for hides them
/// and refuses them: see `surface.rs`).
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Config file.
    #[arg(
        value_name = "FILE",
        short = 'c',
        long = "config",
        global = true,
        env = "STAGECRAFT_CONFIG",
        default_value = "stagecraft.yml"
    )]
    pub config: PathBuf,
    /// Environment to work on (default: `default_env`, else the only one defined).
    #[arg(long, global = true, env = "STAGECRAFT_ENV", value_name = "ENV")]
    pub env: Option<String>,
    /// DigitalOcean API base URL (default: the config's `api_url`, else https://api.digitalocean.com).
    #[arg(long, global = true, env = "DIGITALOCEAN_API_URL", value_name = "URL")]
    pub api_url: Option<String>,
    /// Run against a local sandbox API (state kept in the user data directory) instead of DigitalOcean;
    /// DIGITALOCEAN_API_URL and the config's `api_url` are then ignored.
    #[arg(long, global = true)]
    pub sandbox: bool,
    /// Machine-readable JSON on stdout (the format is documented and stable).
    #[arg(long, global = true)]
    pub json: bool,
    /// Only errors on stderr.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// More detail on stderr.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour: `auto` on a terminal unless NO_COLOR is set, `always` (pipes too), or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// A .env file to read (default: `.env` beside the config, when present). Real variables win.
    #[arg(long, global = true, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would change; sends only GETs.
    Plan(PlanArgs),
    /// Carry out a plan: create, resize, replace and delete droplets, then wait until they are ready.
    Apply(ApplyArgs),
    /// Delete every droplet stagecraft manages in the environment, and nothing else.
    Destroy(DestroyArgs),
    /// Desired versus live, host by host; with --account, what else the account holds.
    Status(StatusArgs),
    /// Bring a droplet made outside stagecraft under management as HOST (its settings must match).
    Adopt(AdoptArgs),
    /// Check the config offline, then against the API.
    Validate(ValidateArgs),
    /// Copy the account's inventory into PostgreSQL or SQLite.
    Ingest(super::ingest::IngestArgs),
    /// Run a command on hosts over SSH.
    Exec(super::exec::ExecArgs),
    /// Log in to a host interactively (ssh with a terminal), as `exec` reaches it.
    Ssh(super::ssh::SshArgs),
    /// The env's hosts for other tools: Ansible, ssh_config, /etc/hosts, JSON.
    Inventory(super::inventory::InventoryArgs),
    /// A local DigitalOcean API simulator.
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Print the JSON Schema of stagecraft.yml (for editors; checked in as schemas/stagecraft.schema.json).
    Schema,
    /// Print a shell completion script: bash, zsh, fish, powershell or elvish (see the README to install).
    Completions(super::generate::CompletionsArgs),
    /// Print the man page stagecraft(1), or write one page per command with --dir.
    Man(super::generate::ManArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// What the account holds beyond this config's droplets (other configs, unmanaged droplets, domains,
    /// projects, firewalls, VPCs, reserved IPs, Functions namespaces) and name conflicts.
    #[arg(long)]
    pub account: bool,
    /// Exit 1 when a host needs attention (a name held by another config or an unmanaged droplet, or
    /// several droplets with one name); 0 otherwise.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    /// The host in the config, e.g. `app-1`.
    pub host: String,
    /// The droplet's id (`doctl compute droplet list`).
    #[arg(long)]
    pub id: u64,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// Save the plan (with a fingerprint of the live state) for `apply PLAN_FILE`.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Exit 2 when there are changes, 0 when there are none.
    #[arg(long)]
    pub detailed_exitcode: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// A plan saved by `plan --out`; refused if the live state changed since.
    pub plan_file: Option<PathBuf>,
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// How often to list pending droplets (default: config `apply.poll_interval`, else 5s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub poll_interval: Option<Duration>,
    /// How long to wait for droplets to become ready (default: config `apply.timeout`, else 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Readiness probes (config `ready:`) run at once.
    #[arg(long, default_value_t = crate::exec::DEFAULT_PARALLEL as u32, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub parallel: u32,
    /// Record every dispatched action in this database's `ops.do_actions` (default: STAGECRAFT_DATABASE_URL
    /// when set, from the environment or .env; never DATABASE_URL).
    #[arg(long)]
    pub db: Option<String>,
}

#[derive(Debug, Args)]
pub struct DestroyArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    pub auto_approve: bool,
    /// How long to wait for deletions (default: config `apply.delete_timeout`, else 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// How often to list the droplets being deleted (default: config `apply.poll_interval`, else 5s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub poll_interval: Option<Duration>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Only the offline checks; no API call.
    #[arg(long)]
    pub offline: bool,
}

#[derive(Debug, Subcommand)]
pub enum SandboxCommand {
    /// Serve the sandbox API until interrupted.
    Serve(crate::sandbox::ServeArgs),
    /// Empty the `--sandbox` account (its state file in the data directory): every droplet and tag goes.
    Reset,
}
