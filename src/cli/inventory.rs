//! `stagecraft inventory`: picks the format, then hands over to [`crate::exec::inventory::inventory`].

use std::process::ExitCode;

use anyhow::bail;

use super::Session;
use super::exec::context;
use crate::exec::inventory::inventory;
use crate::exit;
use crate::output::inventory as render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Ansible's dynamic-inventory JSON (`--list` shape, with `_meta.hostvars`).
    Ansible,
    /// An ssh_config file: `ssh -F FILE app-1`.
    SshConfig,
    /// stagecraft's own JSON (docs/inventory.md).
    Json,
    /// `/etc/hosts` lines.
    Hosts,
}

#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    /// Output format (default: ansible; json with --json).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Use the droplets' private IPv4 addresses.
    #[arg(long)]
    pub private: bool,
    /// With --format ansible: Ansible's static inventory shape, for a file (`ansible -i FILE.json`)
    /// rather than an inventory script.
    #[arg(long = "static", conflicts_with_all = ["list", "host_vars"])]
    pub static_file: bool,
    /// Ansible's inventory-script protocol: the whole inventory (what the ansible format prints anyway).
    #[arg(long)]
    pub list: bool,
    /// Ansible's inventory-script protocol: one host's variables.
    #[arg(long = "host", value_name = "HOST", conflicts_with = "list")]
    pub host_vars: Option<String>,
}

pub fn run(session: &Session, args: &InventoryArgs) -> anyhow::Result<ExitCode> {
    let format = match (args.format, session.global.json) {
        (None, true) | (Some(Format::Json), _) => Format::Json,
        (Some(other), true) => bail!(
            "--json prints the json format; drop --json or --format {}",
            clap::ValueEnum::to_possible_value(&other)
                .map_or_else(String::new, |v| v.get_name().to_string())
        ),
        (Some(format), false) => format,
        (None, false) => Format::Ansible,
    };
    if (args.list || args.host_vars.is_some() || args.static_file) && format != Format::Ansible {
        bail!(
            "--list, --host and --static are Ansible's; use them with --format ansible (the default)"
        );
    }
    let config = session.config()?;
    let env = session.env(&config)?;
    let client = session.client(&config)?;
    let ctx = context(session, &config, &env, &client);
    let inv = inventory(&ctx, args.private)?;
    if let Some(note) = render::missing_note(&inv) {
        session.out.note(&note);
    }
    let text = match (format, &args.host_vars) {
        (Format::Ansible, Some(host)) => render::ansible_host(&inv, host),
        (Format::Ansible, None) if args.static_file => render::ansible_static(&inv),
        (Format::Ansible, None) => render::ansible_list(&inv),
        (Format::SshConfig, _) => render::ssh_config(&inv),
        (Format::Json, _) => render::json(&inv),
        (Format::Hosts, _) => render::hosts_file(&inv),
    };
    session.out.stdout_raw(&text);
    Ok(exit::code(exit::SUCCESS))
}
