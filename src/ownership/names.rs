//! The tags stagecraft writes onto droplets, and how to read them back.

use crate::provider::Droplet;

/// On every droplet stagecraft manages.
pub const MANAGED_TAG: &str = "stagecraft";

pub const ENV_TAG_PREFIX: &str = "stagecraft:env:";
pub const ROLE_TAG_PREFIX: &str = "stagecraft:role:";
/// `stagecraft:name:<name>`: the config (its top-level `name:`) a droplet belongs to.
pub const NAME_TAG_PREFIX: &str = "stagecraft:name:";
/// `stagecraft:spec:<hash>`: earlier builds' one hash of user data, SSH key, VPC and flags (see
/// [`super::legacy`]). No longer written; recognised and replaced by the tags below.
pub const SPEC_TAG_PREFIX: &str = "stagecraft:spec:";
/// `stagecraft:ud:<hash>`: the user data the droplet was created with (the API never shows it back).
pub const UD_TAG_PREFIX: &str = "stagecraft:ud:";
/// `stagecraft:keys:<hash>`: the SSH key names the droplet was created with (not shown back either).
pub const KEYS_TAG_PREFIX: &str = "stagecraft:keys:";
/// On a droplet that must never be deleted or replaced, whatever the config says now.
pub const PROTECT_TAG: &str = "stagecraft:protect";
/// `stagecraft:tags:<hash>`: which user tags stagecraft set on the droplet (see [`super::tags_hash`]).
pub const TAGS_TAG_PREFIX: &str = "stagecraft:tags:";
/// `stagecraft:group:<env>:<role>` (or `stagecraft:group-<name>:...`): what the env's firewalls target
/// (see [`super::net_names::group_tag`]). Written only when the config has firewalls.
pub const GROUP_TAG_PREFIX: &str = "stagecraft:group";
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
    [
        SPEC_TAG_PREFIX,
        TAGS_TAG_PREFIX,
        UD_TAG_PREFIX,
        KEYS_TAG_PREFIX,
    ]
    .iter()
    .any(|prefix| tag.starts_with(prefix))
}

/// Whether stagecraft may take this tag of its own off a droplet when the host no longer wants it. The
/// env and managed tags never go (they make the droplet ours), nor the mark of a pending replacement.
pub fn is_removable_own_tag(tag: &str) -> bool {
    tag == PROTECT_TAG
        || tag.starts_with(ROLE_TAG_PREFIX)
        || tag.starts_with(GROUP_TAG_PREFIX)
        || is_hash_tag(tag)
}

/// The droplet's own tags that are not stagecraft's, sorted, without duplicates (as configured tags are).
pub fn user_tags(droplet: &Droplet) -> Vec<String> {
    let mut tags: Vec<String> = droplet
        .tags
        .iter()
        .filter(|t| !is_stagecraft_tag(t))
        .cloned()
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

/// Whether the droplet must never be deleted or replaced.
pub fn is_protected(droplet: &Droplet) -> bool {
    droplet.has_tag(PROTECT_TAG)
}

/// The values of every tag with `prefix` on the droplet (several after an interrupted retag).
pub fn hashes_of<'a>(droplet: &'a Droplet, prefix: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    droplet
        .tags
        .iter()
        .filter_map(move |t| t.strip_prefix(prefix))
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
