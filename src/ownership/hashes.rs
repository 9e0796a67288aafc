//! Short hashes of what the API cannot show back, written onto droplets as tags so that a stateless plan
//! can still see them change.

use sha2::{Digest, Sha256};

use super::names::{MANAGED_TAG, SPEC_TAG_PREFIX, TAGS_TAG_PREFIX, env_tag, role_tag};

/// The settings behind the `stagecraft:spec:` hash.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    pub user_data: Option<&'a str>,
    pub ssh_key: &'a str,
    pub vpc_uuid: Option<&'a str>,
    pub monitoring: bool,
    pub ipv6: bool,
    pub backups: bool,
}

/// What decides a host's tags.
#[derive(Debug, Clone, Copy)]
pub struct HostTags<'a> {
    pub env: &'a str,
    pub role: &'a str,
    /// The user's own tags, sorted and without duplicates.
    pub user_tags: &'a [String],
    pub settings: Settings<'a>,
}

impl HostTags<'_> {
    /// Every tag the droplet is created with: stagecraft's own, then the user's.
    pub fn all(&self) -> Vec<String> {
        let mut tags = vec![
            MANAGED_TAG.to_string(),
            env_tag(self.env),
            role_tag(self.role),
            format!("{SPEC_TAG_PREFIX}{}", self.spec_hash()),
            format!("{TAGS_TAG_PREFIX}{}", tags_hash(self.user_tags)),
        ];
        tags.extend(self.user_tags.iter().cloned());
        tags
    }

    /// The hash of the settings the API does not show back (user data, SSH key, VPC, flags). Tags are not
    /// in it: they change in place, and have their own `stagecraft:tags:` tag.
    pub fn spec_hash(&self) -> String {
        short_hash(&self.canonical(None))
    }

    /// The spec hash of earlier builds, which covered the user tags too (`user_tags` sorted). Still
    /// recognised, so the droplets they made are retagged, not replaced.
    pub fn legacy_spec_hash_with(&self, user_tags: &[String]) -> String {
        short_hash(&self.canonical(Some(user_tags)))
    }

    fn canonical(&self, legacy_tags: Option<&[String]>) -> serde_json::Value {
        let s = &self.settings;
        let mut canonical = serde_json::json!({
            "user_data": s.user_data,
            "ssh_key": s.ssh_key,
            "vpc_uuid": s.vpc_uuid,
            "monitoring": s.monitoring,
            "ipv6": s.ipv6,
            "backups": s.backups,
        });
        if let Some(tags) = legacy_tags {
            canonical["tags"] = serde_json::json!(tags);
        }
        canonical
    }
}

/// A short hash of a sorted set of user tags. A later plan finds the subset of a droplet's tags with this
/// hash: the ones stagecraft set, which it may remove, as opposed to tags added by hand.
pub fn tags_hash(user_tags: &[String]) -> String {
    short_hash(&serde_json::json!({ "tags": user_tags }))
}

fn short_hash(value: &serde_json::Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    digest.iter().take(5).map(|b| format!("{b:02x}")).collect()
}
