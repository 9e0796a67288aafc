//! The tags stagecraft writes onto droplets, and how to read them back.

use crate::provider::Droplet;

/// On every droplet stagecraft manages.
pub const MANAGED_TAG: &str = "stagecraft";

pub const ENV_TAG_PREFIX: &str = "stagecraft:env:";
pub const ROLE_TAG_PREFIX: &str = "stagecraft:role:";
/// `stagecraft:spec:<hash>`: the settings the API cannot show back (see [`super::hashes`]).
pub const SPEC_TAG_PREFIX: &str = "stagecraft:spec:";
/// `stagecraft:tags:<hash>`: which user tags stagecraft set on the droplet (see [`super::tags_hash`]).
pub const TAGS_TAG_PREFIX: &str = "stagecraft:tags:";
/// Carried by a replacement droplet until the one it replaces is deleted.
pub const REPLACES_TAG_PREFIX: &str = "stagecraft:replaces:";

/// The tag that makes a droplet part of `env`: the listing of an env is the listing of this tag.
pub fn env_tag(env: &str) -> String {
    format!("{ENV_TAG_PREFIX}{env}")
}

pub fn role_tag(role: &str) -> String {
    format!("{ROLE_TAG_PREFIX}{role}")
}

pub fn replaces_tag(old_id: u64) -> String {
    format!("{REPLACES_TAG_PREFIX}{old_id}")
}

/// Whether a tag is stagecraft's own (`stagecraft` or `stagecraft:...`) rather than the user's.
pub fn is_stagecraft_tag(tag: &str) -> bool {
    tag == MANAGED_TAG || tag.starts_with("stagecraft:")
}

/// Whether a tag only records a hash (removed last when retagging, see [`super::retag`]).
pub fn is_hash_tag(tag: &str) -> bool {
    tag.starts_with(SPEC_TAG_PREFIX) || tag.starts_with(TAGS_TAG_PREFIX)
}

/// Whether the droplet belongs to `env`: only such droplets are ever changed or deleted.
pub fn in_env(droplet: &Droplet, env: &str) -> bool {
    droplet.has_tag(&env_tag(env))
}

/// The role a droplet was tagged with, or `""`.
pub fn role_of(droplet: &Droplet) -> &str {
    droplet
        .tags
        .iter()
        .find_map(|t| t.strip_prefix(ROLE_TAG_PREFIX))
        .unwrap_or("")
}

/// The ids of the droplets this one replaces (normally none or one).
pub fn replaced_ids(droplet: &Droplet) -> impl Iterator<Item = u64> + '_ {
    droplet
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix(REPLACES_TAG_PREFIX)?.parse().ok())
}
