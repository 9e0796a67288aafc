//! Which droplets and tags are stagecraft's: tag names, the hashes written onto droplets, and how tags
//! change in place. The riskiest rule of the tool, so it lives here alone and imports only the API models.
//!
//! - `names`: every tag stagecraft writes, and how to read one back.
//! - `hashes`: short hashes of what the API cannot show back, carried as tags.
//! - `retag`: which of a droplet's tags are ours to remove, and the order tags are added and removed.

pub mod hashes;
pub mod names;
pub mod retag;

pub use hashes::{HostTags, Settings, tags_hash};
pub use names::{MANAGED_TAG, env_tag, is_stagecraft_tag, role_tag};
pub use retag::{TagState, tag_change};
