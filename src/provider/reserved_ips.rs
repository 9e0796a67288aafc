//! Reserved IPs: one by address, and assigning it to a droplet (which moves it from any other droplet)
//! or unassigning it. Both are actions: the address is `locked` until they complete.

use serde_json::json;

use super::account_view::ReservedIp;
use super::client::Client;
use super::error::ProviderError;
use super::models::Action;
use super::reply::decode;
use super::url::encode;

impl Client {
    /// The reserved IP `ip`, or None when the account does not hold it.
    pub fn reserved_ip(&self, ip: &str) -> Result<Option<ReservedIp>, ProviderError> {
        match self.get(&format!("/v2/reserved_ips/{}", encode(ip)), "reserved_ip") {
            Ok(r) => Ok(Some(r)),
            Err(ProviderError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Points `ip` at droplet `droplet_id`. Sent once (only a 429 is retried): the caller re-reads the
    /// address before sending again.
    pub fn assign_reserved_ip(&self, ip: &str, droplet_id: u64) -> Result<Action, ProviderError> {
        self.reserved_ip_action(ip, json!({"type": "assign", "droplet_id": droplet_id}))
    }

    pub fn unassign_reserved_ip(&self, ip: &str) -> Result<Action, ProviderError> {
        self.reserved_ip_action(ip, json!({"type": "unassign"}))
    }

    fn reserved_ip_action(
        &self,
        ip: &str,
        body: serde_json::Value,
    ) -> Result<Action, ProviderError> {
        let path = format!("/v2/reserved_ips/{}/actions", encode(ip));
        let reply = self.post(&path, &body)?;
        decode(&reply.body, "action", "POST", &path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::models::spec_example;

    #[test]
    fn the_spec_examples_decode() {
        let action: Action =
            serde_json::from_value(spec_example("reserved_ip_action.json")["action"].clone())
                .unwrap();
        assert_eq!(action.kind, "assign_ip");
        let assigned: ReservedIp =
            serde_json::from_value(spec_example("reserved_ip_get.json")["reserved_ip"].clone())
                .unwrap();
        assert!(assigned.droplet.is_some());
    }
}
