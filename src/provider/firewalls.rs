//! Cloud firewalls: the full listing, one by id, create, full replace (PUT) and delete. A firewall is
//! sent whole: the API's PUT resets whatever the body leaves out.

use serde::{Deserialize, Serialize};

use super::client::Client;
use super::error::ProviderError;
use super::reply::decode;
use super::retry::RetryMode;
use super::url::encode;

/// A firewall as the API shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Firewall {
    pub id: String,
    pub name: String,
    /// `waiting`, `succeeded` or `failed`.
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub inbound_rules: Vec<InboundRule>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub outbound_rules: Vec<OutboundRule>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub droplet_ids: Vec<u64>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRule {
    pub protocol: String,
    /// `"22"`, `"8000-9000"`, or `"0"` for every port (always `"0"` for ICMP).
    #[serde(default)]
    pub ports: String,
    pub sources: RuleTargets,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboundRule {
    pub protocol: String,
    #[serde(default)]
    pub ports: String,
    pub destinations: RuleTargets,
}

/// Where a rule lets traffic come from or go to. Empty kinds are left out of a request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleTargets {
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub addresses: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub droplet_ids: Vec<u64>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub load_balancer_uids: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub kubernetes_ids: Vec<String>,
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "null_as_empty"
    )]
    pub tags: Vec<String>,
}

/// The body of a create or a PUT: the whole firewall. Droplets are never attached by id (stagecraft
/// applies firewalls by tag, so a new droplet is covered the moment it exists).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FirewallRequest {
    pub name: String,
    pub inbound_rules: Vec<InboundRule>,
    pub outbound_rules: Vec<OutboundRule>,
    pub tags: Vec<String>,
    pub droplet_ids: Vec<u64>,
}

/// The API sends `null` for an empty list in places; both read as empty.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

impl Client {
    /// Every firewall of the account (firewalls cannot be filtered by name or tag).
    pub fn list_firewalls(&self) -> Result<Vec<Firewall>, ProviderError> {
        self.list_all("/v2/firewalls", "firewalls")
    }

    /// One firewall, or None when it is gone.
    pub fn firewall(&self, id: &str) -> Result<Option<Firewall>, ProviderError> {
        match self.get(&format!("/v2/firewalls/{}", encode(id)), "firewall") {
            Ok(f) => Ok(Some(f)),
            Err(ProviderError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a firewall. Sent once (only a 429 is retried): after an ambiguous failure the caller lists
    /// firewalls by name before sending again, so a firewall is never made twice.
    pub fn create_firewall(&self, request: &FirewallRequest) -> Result<Firewall, ProviderError> {
        let body = to_body(request, "POST", "/v2/firewalls")?;
        let reply = self.post("/v2/firewalls", &body)?;
        decode(&reply.body, "firewall", "POST", "/v2/firewalls")
    }

    /// Replaces the firewall with `request` as a whole. Idempotent, so retried like a read.
    pub fn replace_firewall(
        &self,
        id: &str,
        request: &FirewallRequest,
    ) -> Result<Firewall, ProviderError> {
        let path = format!("/v2/firewalls/{}", encode(id));
        let body = to_body(request, "PUT", &path)?;
        let reply = self.send("PUT", &path, Some(&body), RetryMode::Idempotent)?;
        decode(&reply.body, "firewall", "PUT", &path)
    }

    /// Deletes a firewall; false when it was already gone.
    pub fn delete_firewall(&self, id: &str) -> Result<bool, ProviderError> {
        self.delete(&format!("/v2/firewalls/{}", encode(id)))
    }
}

pub(crate) fn to_body<T: Serialize>(
    request: &T,
    method: &str,
    path: &str,
) -> Result<serde_json::Value, ProviderError> {
    serde_json::to_value(request).map_err(|e| ProviderError::Decode {
        method: method.into(),
        path: path.into(),
        message: format!("the request body: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::models::spec_example;

    #[test]
    fn the_spec_examples_decode_and_a_request_has_the_api_shape() {
        let listed: Vec<Firewall> =
            serde_json::from_value(spec_example("firewalls_list.json")["firewalls"].clone())
                .unwrap();
        assert!(!listed.is_empty());
        let created: Firewall = serde_json::from_value(
            spec_example("firewalls_create_response.json")["firewall"].clone(),
        )
        .unwrap();
        assert_eq!(created.status, "waiting");
        assert_eq!(created.inbound_rules[1].sources.tags, ["gateway"]);
        let request = FirewallRequest {
            name: "staging-web".into(),
            inbound_rules: vec![InboundRule {
                protocol: "tcp".into(),
                ports: "22".into(),
                sources: RuleTargets {
                    addresses: vec!["0.0.0.0/0".into()],
                    ..RuleTargets::default()
                },
            }],
            outbound_rules: Vec::new(),
            tags: vec!["stagecraft:fw:staging:app".into()],
            droplet_ids: Vec::new(),
        };
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            serde_json::json!({"name": "staging-web", "tags": ["stagecraft:fw:staging:app"], "droplet_ids": [],
                "inbound_rules": [{"protocol": "tcp", "ports": "22", "sources": {"addresses": ["0.0.0.0/0"]}}],
                "outbound_rules": []})
        );
    }
}
