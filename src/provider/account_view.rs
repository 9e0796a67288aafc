//! Read-only listings of what else the account holds, for `status --account`: every droplet, domains and
//! their record counts, projects, firewalls, VPCs, reserved IPs and Functions namespaces.

use serde::Deserialize;
use serde_json::Value;

use super::client::Client;
use super::error::ProviderError;
use super::models::Droplet;
use super::retry::RetryMode;
use super::url::encode;

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Domain {
    pub name: String,
    #[serde(default)]
    pub ttl: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Firewall {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub status: Option<String>,
    /// Droplets attached directly; the API sends `null` for none.
    #[serde(default)]
    pub droplet_ids: Option<Vec<u64>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Vpc {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default)]
    pub ip_range: Option<String>,
    #[serde(default)]
    pub default: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReservedIp {
    pub ip: String,
    #[serde(default)]
    pub region: Option<ReservedIpRegion>,
    /// The droplet it points at, or `null` when it is only held in the region.
    #[serde(default)]
    pub droplet: Option<ReservedIpDroplet>,
    /// An action on it is running: nothing else may be sent for it until it completes.
    #[serde(default)]
    pub locked: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReservedIpRegion {
    pub slug: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ReservedIpDroplet {
    pub id: u64,
    #[serde(default)]
    pub name: String,
}

/// A Functions namespace. The API also sends the namespace's access `key`, a secret: it is deliberately
/// not a field here, so it is dropped while decoding and can never be shown or stored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FunctionsNamespace {
    pub namespace: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub region: String,
}

impl Client {
    /// Every droplet of the account, GPU droplets included (the plain listing leaves them out).
    pub fn all_droplets(&self) -> Result<Vec<Droplet>, ProviderError> {
        let mut all: Vec<Droplet> = self.list_all("/v2/droplets", "droplets")?;
        all.extend(self.list_all::<Droplet>("/v2/droplets?type=gpus", "droplets")?);
        Ok(all)
    }

    pub fn domains(&self) -> Result<Vec<Domain>, ProviderError> {
        self.list_all("/v2/domains", "domains")
    }

    /// How many records `domain` has: one smallest page, read for its `meta.total`.
    pub fn domain_record_count(&self, domain: &str) -> Result<u64, ProviderError> {
        let path = format!("/v2/domains/{}/records?per_page=1", encode(domain));
        let reply = self.send("GET", &path, None, RetryMode::Idempotent)?;
        if let Some(total) = reply.body.pointer("/meta/total").and_then(Value::as_u64) {
            return Ok(total);
        }
        // No meta (the spec requires it, but a reply without one still has its page): count that.
        Ok(reply
            .body
            .get("domain_records")
            .and_then(Value::as_array)
            .map_or(0, |a| a.len() as u64))
    }

    pub fn projects(&self) -> Result<Vec<Project>, ProviderError> {
        self.list_all("/v2/projects", "projects")
    }

    pub fn firewalls(&self) -> Result<Vec<Firewall>, ProviderError> {
        self.list_all("/v2/firewalls", "firewalls")
    }

    pub fn vpcs(&self) -> Result<Vec<Vpc>, ProviderError> {
        self.list_all("/v2/vpcs", "vpcs")
    }

    pub fn reserved_ips(&self) -> Result<Vec<ReservedIp>, ProviderError> {
        self.list_all("/v2/reserved_ips", "reserved_ips")
    }

    /// Every Functions namespace; the API sends them in one unpaginated list.
    pub fn functions_namespaces(&self) -> Result<Vec<FunctionsNamespace>, ProviderError> {
        let reply = self.send(
            "GET",
            "/v2/functions/namespaces",
            None,
            RetryMode::Idempotent,
        )?;
        match reply.body.get("namespaces") {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(list) => serde_json::from_value(list.clone()).map_err(|e| ProviderError::Decode {
                method: "GET".into(),
                path: "/v2/functions/namespaces".into(),
                message: format!("`namespaces`: {e}"),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_namespace_key_is_dropped_while_decoding() {
        let ns: FunctionsNamespace = serde_json::from_str(
            r#"{"api_host":"https://x","namespace":"fn-1","label":"l","region":"nyc1","uuid":"u","key":"SECRET"}"#,
        )
        .unwrap();
        assert!(!format!("{ns:?}").contains("SECRET"));
    }

    #[test]
    fn reserved_ips_decode_with_or_without_a_droplet() {
        let held: ReservedIp = serde_json::from_str(
            r#"{"ip":"45.55.96.47","droplet":null,"region":{"slug":"nyc3","name":"New York 3"},"locked":false}"#,
        )
        .unwrap();
        assert_eq!(held.droplet, None);
        let assigned: ReservedIp = serde_json::from_str(
            r#"{"ip":"45.55.96.47","droplet":{"id":7,"name":"web-1","status":"active"},"region":{"slug":"nyc3"}}"#,
        )
        .unwrap();
        assert_eq!(assigned.droplet.unwrap().id, 7);
    }
}
