//! Which droplets and tags are stagecraft's: tag names, the hashes written onto droplets, and how tags
//! change in place. The riskiest rule of the tool, so it lives here alone and imports only the API models.
//!
//! - `names`: every tag stagecraft writes, and how to read one back (env, role, protection).
//! - `scope`: which droplets of an env belong to this config (the `name:` tag), when configs share one.
//! - `hashes`: short hashes of what the API cannot show back (user data, SSH keys, our user tags).
//! - `legacy`: what the single spec hash of earlier builds covered, so their droplets are retagged.
//! - `net_names`, `net_owner`, `net_rules`: the names derived for firewalls, records, the project and the
//!   group tags; which live firewalls and records are ours; firewall rules compared as normalised sets.
//! - `retag`: which of a droplet's tags are ours to remove, and the order tags are added and removed.

pub mod hashes;
pub mod legacy;
pub mod names;
pub mod net_names;
pub mod net_owner;
pub mod net_rules;
pub mod retag;
pub mod scope;

pub use hashes::{Wanted, tags_hash};
pub use names::{MANAGED_TAG, env_tag, is_stagecraft_tag, role_tag};
pub use retag::{TagState, tag_change};
pub use scope::{Belongs, Scope};
