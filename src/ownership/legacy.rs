//! Droplets made by earlier builds carry one `stagecraft:spec:<hash>` over user data, the SSH key, the VPC
//! and the flags (the oldest builds: the user tags too). Recognising what it hashed lets those droplets
//! be retagged with today's separate hashes in place, never replaced.

use super::hashes::LegacySettings;
use super::retag::subset_with;

/// What an earlier build's spec hash turned out to cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyMatch {
    /// The one SSH key name the droplet was created with.
    pub ssh_key: String,
    /// The user tags stagecraft set, when the hash covered them (the oldest builds).
    pub user_tags: Option<Vec<String>>,
}

/// What the droplet shows of the hashed settings now.
#[derive(Debug, Clone, Copy)]
pub struct Visible<'a> {
    pub vpc_uuid: Option<&'a str>,
    pub monitoring: bool,
    pub ipv6: bool,
    pub backups: bool,
}

/// Finds settings that reproduce `spec`, assuming the user data is the config's now (the only thing no
/// one can see). The flags and VPC are tried as the droplet shows them and as the config has them, the
/// key as each of `key_names` (the config's and the account's). `None`: the user data changed too, or the
/// hash cannot be explained; the caller must then not compare what it cannot see.
pub fn recognise(
    spec: &str,
    now: &LegacySettings<'_>,
    visible: &Visible<'_>,
    key_names: &[&str],
    live_user_tags: &[String],
) -> Option<LegacyMatch> {
    let mut flags = Vec::new();
    for monitoring in dedup([visible.monitoring, now.monitoring]) {
        for ipv6 in dedup([visible.ipv6, now.ipv6]) {
            for backups in dedup([visible.backups, now.backups]) {
                // A VPC not named in the config hashed as none; a named one as itself.
                for vpc_uuid in dedup([None, now.vpc_uuid, visible.vpc_uuid]) {
                    flags.push((monitoring, ipv6, backups, vpc_uuid));
                }
            }
        }
    }
    for &ssh_key in key_names {
        for &(monitoring, ipv6, backups, vpc_uuid) in &flags {
            let candidate = LegacySettings {
                user_data: now.user_data,
                ssh_key,
                vpc_uuid,
                monitoring,
                ipv6,
                backups,
            };
            if candidate.hash(None) == spec {
                return Some(LegacyMatch {
                    ssh_key: ssh_key.to_string(),
                    user_tags: None,
                });
            }
        }
    }
    // The oldest builds hashed the tags too: only the most likely settings are searched, 2^n subsets each.
    for &ssh_key in key_names.iter().take(1) {
        for vpc_uuid in dedup([None, visible.vpc_uuid]) {
            let candidate = LegacySettings {
                user_data: now.user_data,
                ssh_key,
                vpc_uuid,
                monitoring: visible.monitoring,
                ipv6: visible.ipv6,
                backups: visible.backups,
            };
            if let Some(tags) = subset_with(live_user_tags, |set| candidate.hash(Some(set)) == spec)
            {
                return Some(LegacyMatch {
                    ssh_key: ssh_key.to_string(),
                    user_tags: Some(tags),
                });
            }
        }
    }
    None
}

fn dedup<T: PartialEq + Copy, const N: usize>(values: [T; N]) -> Vec<T> {
    let mut out: Vec<T> = Vec::with_capacity(N);
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(key: &str, backups: bool) -> LegacySettings<'static> {
        LegacySettings {
            user_data: Some("#cloud-config\n"),
            ssh_key: if key == "a" { "a" } else { "b" },
            vpc_uuid: None,
            monitoring: true,
            ipv6: false,
            backups,
        }
    }

    const VISIBLE: Visible<'static> = Visible {
        vpc_uuid: Some("vpc-default"),
        monitoring: true,
        ipv6: false,
        backups: false,
    };

    #[test]
    fn the_hash_is_explained_by_visible_flags_and_any_known_key() {
        let created = settings("a", false).hash(None);
        // Unchanged config.
        let got = recognise(&created, &settings("a", false), &VISIBLE, &["a"], &[]);
        assert_eq!(got.unwrap().ssh_key, "a");
        // Backups turned on in the config since: the droplet still shows them off.
        assert!(recognise(&created, &settings("a", true), &VISIBLE, &["a"], &[]).is_some());
        // The key changed to b: found among the account's keys.
        let got = recognise(&created, &settings("b", false), &VISIBLE, &["b", "a"], &[]);
        assert_eq!(got.unwrap().ssh_key, "a");
        // User data changed: nothing explains the hash.
        let mut changed = settings("a", false);
        changed.user_data = Some("#cloud-config\nruncmd: [x]\n");
        assert_eq!(recognise(&created, &changed, &VISIBLE, &["a"], &[]), None);
    }

    #[test]
    fn the_oldest_hash_gives_back_the_tags_it_covered() {
        let tags = vec!["team-a".to_string()];
        let created = settings("a", false).hash(Some(&tags));
        let live = vec!["hand-made".to_string(), "team-a".to_string()];
        let got = recognise(&created, &settings("a", false), &VISIBLE, &["a"], &live).unwrap();
        assert_eq!(got.user_tags, Some(tags));
    }
}
