//! Typed views of the DigitalOcean objects stagecraft reads; unknown fields are ignored, as the API grows.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Droplet {
    pub id: u64,
    pub name: String,
    pub status: DropletStatus,
    #[serde(default)]
    pub locked: bool,
    #[serde(default)]
    pub memory: u64,
    #[serde(default)]
    pub vcpus: u64,
    #[serde(default)]
    pub disk: u64,
    pub size_slug: String,
    pub region: RegionRef,
    pub image: ImageRef,
    #[serde(default)]
    pub networks: Networks,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub vpc_uuid: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
}

/// A droplet's `status`. Values the API may add later are kept as they came.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(from = "String", into = "String")]
pub enum DropletStatus {
    New,
    Active,
    Off,
    Archive,
    Other(String),
}

impl DropletStatus {
    pub fn as_str(&self) -> &str {
        match self {
            DropletStatus::New => "new",
            DropletStatus::Active => "active",
            DropletStatus::Off => "off",
            DropletStatus::Archive => "archive",
            DropletStatus::Other(other) => other,
        }
    }
}

impl From<String> for DropletStatus {
    fn from(text: String) -> Self {
        match text.as_str() {
            "new" => DropletStatus::New,
            "active" => DropletStatus::Active,
            "off" => DropletStatus::Off,
            "archive" => DropletStatus::Archive,
            _ => DropletStatus::Other(text),
        }
    }
}

impl From<DropletStatus> for String {
    fn from(status: DropletStatus) -> Self {
        status.as_str().to_string()
    }
}

impl std::fmt::Display for DropletStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct RegionRef {
    pub slug: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct ImageRef {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Networks {
    #[serde(default)]
    pub v4: Vec<NetworkV4>,
    #[serde(default)]
    pub v6: Vec<NetworkV6>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct NetworkV4 {
    pub ip_address: String,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct NetworkV6 {
    pub ip_address: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl Droplet {
    pub fn public_ipv4(&self) -> Option<&str> {
        self.ipv4_of("public")
    }

    pub fn public_ipv6(&self) -> Option<&str> {
        (self.networks.v6.iter())
            .find(|n| n.kind == "public")
            .map(|n| n.ip_address.as_str())
    }

    pub fn private_ipv4(&self) -> Option<&str> {
        self.ipv4_of("private")
    }

    fn ipv4_of(&self, kind: &str) -> Option<&str> {
        self.networks
            .v4
            .iter()
            .find(|n| n.kind == kind)
            .map(|n| n.ip_address.as_str())
    }

    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// Whether `features` lists `feature` (`backups`, `ipv6`, `monitoring`, ...).
    pub fn has_feature(&self, feature: &str) -> bool {
        self.features.iter().any(|f| f == feature)
    }

    /// Active, unlocked and with a public address: what the API can tell of "ready".
    pub fn is_up(&self) -> bool {
        self.status == DropletStatus::Active && !self.locked && self.public_ipv4().is_some()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Region {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub available: bool,
    #[serde(default)]
    pub sizes: Vec<String>,
    #[serde(default)]
    pub features: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Size {
    pub slug: String,
    #[serde(default)]
    pub memory: u64,
    #[serde(default)]
    pub vcpus: u64,
    #[serde(default)]
    pub disk: u64,
    pub price_monthly: f64,
    #[serde(default)]
    pub price_hourly: f64,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default = "yes")]
    pub available: bool,
    #[serde(default)]
    pub description: String,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Image {
    pub id: u64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub distribution: String,
    #[serde(default)]
    pub regions: Vec<String>,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct SshKey {
    pub id: u64,
    pub fingerprint: String,
    pub name: String,
    #[serde(default)]
    pub public_key: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Action {
    pub id: u64,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub resource_id: Option<u64>,
    #[serde(default)]
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Account {
    pub uuid: String,
    pub email: String,
    pub status: String,
    pub droplet_limit: u64,
}

/// One of the spec's example payloads (tests/fixtures/do-api-examples), for unit tests.
#[cfg(test)]
pub(crate) fn spec_example(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/tests/fixtures/do-api-examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::spec_example as example;

    fn parse_all<T: DeserializeOwned>(file: &str, key: &str) -> Vec<T> {
        let value = example(file);
        let items = &value[key];
        let items = if items.is_array() {
            items.clone()
        } else {
            Value::Array(vec![items.clone()])
        };
        serde_json::from_value(items).unwrap_or_else(|e| panic!("{file}: {e}"))
    }

    #[test]
    fn the_spec_examples_the_client_uses_parse() {
        for file in [
            "droplets_list.json",
            "droplets_list_by_tag.json",
            "droplets_list_gpus.json",
            "droplets_create_multi_response.json",
        ] {
            assert!(!parse_all::<Droplet>(file, "droplets").is_empty(), "{file}");
        }
        for file in ["droplet_get.json", "droplets_create_response.json"] {
            assert_eq!(parse_all::<Droplet>(file, "droplet").len(), 1, "{file}");
        }
        assert!(!parse_all::<Region>("regions_list.json", "regions").is_empty());
        assert!(!parse_all::<Size>("sizes_list.json", "sizes").is_empty());
        assert!(!parse_all::<Image>("images_list.json", "images").is_empty());
        assert!(!parse_all::<Image>("images_list_distribution.json", "images").is_empty());
        assert_eq!(parse_all::<Image>("image_get.json", "image").len(), 1);
        assert!(!parse_all::<SshKey>("account_keys_list.json", "ssh_keys").is_empty());
        assert_eq!(
            parse_all::<SshKey>("account_key_get_composed.json", "ssh_key").len(),
            1
        );
        assert_eq!(parse_all::<Action>("action_get.json", "action").len(), 1);
        assert_eq!(
            parse_all::<Action>("action_get_composed.json", "action").len(),
            1
        );
        assert!(!parse_all::<Action>("droplet_actions_list.json", "actions").is_empty());
        assert_eq!(
            parse_all::<Account>("account_get_composed.json", "account").len(),
            1
        );
        for file in [
            "error_bad_request.json",
            "error_not_found.json",
            "error_unauthorized.json",
            "error_too_many_requests.json",
            "error_server_error.json",
            "error_unprocessable_entity.json",
        ] {
            let body: super::super::error::ApiErrorBody =
                serde_json::from_value(example(file)).unwrap();
            assert!(!body.id.is_empty() && !body.message.is_empty(), "{file}");
        }
    }

    #[test]
    fn droplet_addresses_come_from_networks() {
        let droplets = parse_all::<Droplet>("droplets_list.json", "droplets");
        assert_eq!(droplets[0].public_ipv4(), Some("192.241.165.154"));
        assert_eq!(droplets[0].private_ipv4(), Some("10.128.192.124"));
    }
}
