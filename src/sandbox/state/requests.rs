//! The typed requests the state accepts and the typed refusals it gives back. Turning them into
//! HTTP bodies, status codes and error texts is the job of `api/`.

use crate::sandbox::catalogue::Size;

/// Validated arguments to create droplets.
#[derive(Debug, Clone)]
pub struct CreateSpec {
    pub names: Vec<String>,
    pub region: String,
    pub size: String,
    pub image: u64,
    pub tags: Vec<String>,
    pub ipv6: bool,
    pub backups: bool,
    pub monitoring: bool,
    pub vpc_uuid: String,
    pub ssh_keys: Vec<u64>,
    /// Seeding creates droplets already in their final status, without waiting for boot.
    pub initial_status: Option<String>,
}

/// A droplet action whose body was well formed; the state still checks it against the droplet.
#[derive(Debug, Clone, PartialEq)]
pub enum DropletAction {
    PowerOn,
    PowerOff,
    Shutdown,
    Reboot,
    PowerCycle,
    EnableIpv6,
    EnableBackups,
    DisableBackups,
    Resize { size: &'static Size, disk: bool },
    Rename { name: String },
}

impl DropletAction {
    /// The action's `type` as the API names it (and as it is stored).
    pub fn kind(&self) -> &'static str {
        match self {
            DropletAction::PowerOn => "power_on",
            DropletAction::PowerOff => "power_off",
            DropletAction::Shutdown => "shutdown",
            DropletAction::Reboot => "reboot",
            DropletAction::PowerCycle => "power_cycle",
            DropletAction::EnableIpv6 => "enable_ipv6",
            DropletAction::EnableBackups => "enable_backups",
            DropletAction::DisableBackups => "disable_backups",
            DropletAction::Resize { .. } => "resize",
            DropletAction::Rename { .. } => "rename",
        }
    }

    /// The simple actions, by the `type` that names them (those with fields are parsed apart).
    pub fn simple(kind: &str) -> Option<DropletAction> {
        Some(match kind {
            "power_on" => DropletAction::PowerOn,
            "power_off" => DropletAction::PowerOff,
            "shutdown" => DropletAction::Shutdown,
            "reboot" => DropletAction::Reboot,
            "power_cycle" => DropletAction::PowerCycle,
            "enable_ipv6" => DropletAction::EnableIpv6,
            "enable_backups" => DropletAction::EnableBackups,
            "disable_backups" => DropletAction::DisableBackups,
            _ => return None,
        })
    }
}

/// Why the state refused a droplet action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    NoSuchDroplet,
    /// Another action on the droplet is still running.
    Locked,
    /// The droplet has not finished booting.
    StillNew,
    SizeNotInRegion {
        size: &'static str,
        region: String,
    },
    NotPoweredOff,
    DiskTooSmall {
        size: &'static str,
        size_disk: u32,
        droplet_disk: u32,
    },
}

/// Why the state refused a new SSH key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("SSH Key is already in use on your account")]
    InUse,
}
