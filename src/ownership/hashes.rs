//! Short hashes of what the API cannot show back (user data, SSH keys, which tags stagecraft set),
//! written onto droplets as tags so that a stateless plan can still see them change.

use sha2::{Digest, Sha256};

use super::names::{
    KEYS_TAG_PREFIX, MANAGED_TAG, PROTECT_TAG, TAGS_TAG_PREFIX, UD_TAG_PREFIX, env_tag, role_tag,
};
use super::scope::name_tag;

/// The tags stagecraft wants on one host's droplet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub env: String,
    pub role: String,
    /// The user's own tags, sorted and without duplicates.
    pub user_tags: Vec<String>,
    pub user_data_hash: String,
    pub keys_hash: String,
    pub protect: bool,
    /// The config's `name:`, carried as `stagecraft:name:<name>`.
    pub config_name: Option<String>,
    /// Carry the env+role group tag that firewalls target.
    pub grouped: bool,
}

impl Wanted {
    /// Every tag, stagecraft's own first, then the user's.
    pub fn all(&self) -> Vec<String> {
        let mut tags = vec![
            MANAGED_TAG.to_string(),
            env_tag(&self.env),
            role_tag(&self.role),
            format!("{UD_TAG_PREFIX}{}", self.user_data_hash),
            format!("{KEYS_TAG_PREFIX}{}", self.keys_hash),
            format!("{TAGS_TAG_PREFIX}{}", tags_hash(&self.user_tags)),
        ];
        if let Some(name) = &self.config_name {
            tags.push(name_tag(name));
        }
        if self.grouped {
            tags.push(super::net_names::group_tag(
                self.config_name.as_deref(),
                &self.env,
                &self.role,
            ));
        }
        if self.protect {
            tags.push(PROTECT_TAG.to_string());
        }
        tags.extend(self.user_tags.iter().cloned());
        tags
    }
}

/// The hash of a droplet's user data (none and empty are the same to cloud-init).
pub fn user_data_hash(user_data: Option<&str>) -> String {
    short(
        Sha256::new()
            .chain_update(b"user_data\n")
            .chain_update(user_data.unwrap_or("")),
    )
}

/// The hash of a set of SSH key names (sorted, without duplicates).
pub fn keys_hash(names: &[String]) -> String {
    let mut hasher = Sha256::new().chain_update(b"ssh_keys\n");
    for name in names {
        hasher.update(name.as_bytes());
        hasher.update(b"\n");
    }
    short(hasher)
}

/// A short hash of a sorted set of user tags. A later plan finds the subset of a droplet's tags with this
/// hash: the ones stagecraft set, which it may remove, as opposed to tags added by hand.
pub fn tags_hash(user_tags: &[String]) -> String {
    json_hash(&serde_json::json!({ "tags": user_tags }))
}

/// What the `stagecraft:spec:` hash of earlier builds covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegacySettings<'a> {
    pub user_data: Option<&'a str>,
    pub ssh_key: &'a str,
    pub vpc_uuid: Option<&'a str>,
    pub monitoring: bool,
    pub ipv6: bool,
    pub backups: bool,
}

impl LegacySettings<'_> {
    /// The spec hash earlier builds wrote; the oldest also covered the user tags (`user_tags`, sorted).
    pub fn hash(&self, user_tags: Option<&[String]>) -> String {
        // Key order is the serialiser's (sorted), as it was when these hashes were written.
        let mut canonical = serde_json::json!({
            "user_data": self.user_data,
            "ssh_key": self.ssh_key,
            "vpc_uuid": self.vpc_uuid,
            "monitoring": self.monitoring,
            "ipv6": self.ipv6,
            "backups": self.backups,
        });
        if let Some(tags) = user_tags {
            canonical["tags"] = serde_json::json!(tags);
        }
        json_hash(&canonical)
    }
}

fn json_hash(value: &serde_json::Value) -> String {
    short(Sha256::new().chain_update(value.to_string().as_bytes()))
}

/// Ten hex digits: 40 bits, plenty to tell one config's settings from the next.
fn short(hasher: Sha256) -> String {
    hasher
        .finalize()
        .iter()
        .take(5)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hashes live on droplets: a change of formula (or of a dependency's JSON key order) would make every
    /// existing droplet look changed. These literals must never change.
    #[test]
    fn hash_values_are_pinned() {
        let tags = vec!["team-a".to_string()];
        let keys = vec!["deploy".to_string(), "my-ssh-key".to_string()];
        let legacy = LegacySettings {
            user_data: Some("#cloud-config\n"),
            ssh_key: "my-ssh-key",
            vpc_uuid: None,
            monitoring: true,
            ipv6: false,
            backups: false,
        };
        let got = [
            tags_hash(&tags),
            user_data_hash(None),
            user_data_hash(Some("#cloud-config\n")),
            keys_hash(&keys),
            legacy.hash(None),
            legacy.hash(Some(&tags)),
        ];
        assert_eq!(got, PINNED, "{got:?}");
        assert_eq!(user_data_hash(None), user_data_hash(Some("")));
    }

    const PINNED: [&str; 6] = [
        "0c555a1a36",
        "0fc591217e",
        "499b9c1b9c",
        "dd409e2ed3",
        "02b53971a8",
        "ff40d5be6a",
    ];
}
