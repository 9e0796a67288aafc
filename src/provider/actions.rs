//! Droplet actions (`POST /v2/droplets/{id}/actions`): the changes the API makes to a droplet in place.

use serde::Serialize;
use serde_json::Value;

use super::client::Client;
use super::error::ProviderError;

/// One droplet action request, serialised as the API's `{"type": ..., ...}` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DropletAction {
    PowerOff,
    PowerOn,
    /// `disk: true` also grows the disk, which can never be undone.
    Resize {
        size: String,
        disk: bool,
    },
    EnableBackups,
    DisableBackups,
    EnableIpv6,
}

impl DropletAction {
    /// The action's `type`, as the API and `ops.do_actions` name it.
    pub fn kind(&self) -> &'static str {
        match self {
            DropletAction::PowerOff => "power_off",
            DropletAction::PowerOn => "power_on",
            DropletAction::Resize { .. } => "resize",
            DropletAction::EnableBackups => "enable_backups",
            DropletAction::DisableBackups => "disable_backups",
            DropletAction::EnableIpv6 => "enable_ipv6",
        }
    }
}

impl Client {
    /// Starts `action` on droplet `id` and returns DigitalOcean's action id when the reply has one. Sent
    /// once (only a 429 is retried): the caller re-reads the droplet before deciding to send again.
    pub fn droplet_action(
        &self,
        id: u64,
        action: &DropletAction,
    ) -> Result<Option<u64>, ProviderError> {
        let path = format!("/v2/droplets/{id}/actions");
        let body = serde_json::to_value(action).map_err(|e| ProviderError::Decode {
            method: "POST".into(),
            path: path.clone(),
            message: format!("the action request: {e}"),
        })?;
        let reply = self.post(&path, &body)?;
        Ok(reply.body.pointer("/action/id").and_then(Value::as_u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_are_the_api_shapes() {
        let cases = [
            (DropletAction::PowerOff, json!({"type": "power_off"})),
            (DropletAction::PowerOn, json!({"type": "power_on"})),
            (
                DropletAction::Resize {
                    size: "s-2vcpu-4gb".into(),
                    disk: false,
                },
                json!({"type": "resize", "size": "s-2vcpu-4gb", "disk": false}),
            ),
            (
                DropletAction::EnableBackups,
                json!({"type": "enable_backups"}),
            ),
            (
                DropletAction::DisableBackups,
                json!({"type": "disable_backups"}),
            ),
            (DropletAction::EnableIpv6, json!({"type": "enable_ipv6"})),
        ];
        for (action, body) in cases {
            assert_eq!(serde_json::to_value(&action).unwrap(), body);
            assert_eq!(body["type"], action.kind());
        }
    }
}
