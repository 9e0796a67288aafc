//! Tags change in place: which of a droplet's tags are ours to remove, and in what order tags go on and off.

use std::collections::{BTreeMap, BTreeSet};

use super::hashes::{HostTags, tags_hash};
use super::names::{
    ROLE_TAG_PREFIX, SPEC_TAG_PREFIX, TAGS_TAG_PREFIX, is_hash_tag, is_stagecraft_tag,
};
use crate::provider::Droplet;

/// Live user tags beyond this many are not searched for the ones stagecraft set (2^n hashes).
const MAX_TAG_SEARCH: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagState {
    Same,
    /// Tags to take off and to put on, each sorted: a change made in place.
    Retag {
        remove: Vec<String>,
        add: Vec<String>,
    },
    /// The settings behind the spec tag changed; the droplet's spec tag (or `(none)`).
    SpecChanged(String),
}

/// How the droplet's settings and tags stand against the host's.
///
/// The spec tag hashes the settings the API cannot show back; when it differs, the droplet is replaced.
/// Tags change in place. Which of the droplet's tags stagecraft set (and so may remove) is told by the
/// `stagecraft:tags:` tag, the hash of that set: the subset of the droplet's own user tags with that hash.
/// Tags added by hand (by a person, or another tool) are never in it, so they are never removed. Droplets
/// made by earlier builds carry a spec hash that covered their tags (see
/// [`HostTags::legacy_spec_hash_with`]); the subset reproducing it serves both purposes.
pub fn tag_change(host: &HostTags<'_>, droplet: &Droplet) -> TagState {
    let live_specs: Vec<&str> = droplet
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix(SPEC_TAG_PREFIX))
        .collect();
    let mut live_user: Vec<String> = droplet
        .tags
        .iter()
        .filter(|t| !is_stagecraft_tag(t))
        .cloned()
        .collect();
    live_user.sort();
    live_user.dedup();
    let wanted = host.spec_hash();
    let mut ours: BTreeSet<String> = BTreeSet::new();
    let mut settings_match = live_specs.contains(&wanted.as_str());
    // Every tags tag counts: more than one is left by an apply stopped mid-retag, and the old one's tags
    // must still go. A set that cannot be found (tags removed by hand, too many to search) removes nothing.
    for hash in droplet
        .tags
        .iter()
        .filter_map(|t| t.strip_prefix(TAGS_TAG_PREFIX))
    {
        let configured = host.user_tags;
        if hash == tags_hash(configured) && configured.iter().all(|t| live_user.contains(t)) {
            // The usual case, without a search.
            ours.extend(configured.iter().cloned());
        } else if let Some(set) = subset_with(&live_user, |set| tags_hash(set) == hash) {
            ours.extend(set);
        }
    }
    for live_spec in live_specs.iter().filter(|s| **s != wanted) {
        if let Some(set) = subset_with(&live_user, |set| {
            host.legacy_spec_hash_with(set) == *live_spec
        }) {
            ours.extend(set);
            settings_match = true;
        }
    }
    if !settings_match {
        return TagState::SpecChanged(live_specs.first().map_or("(none)", |s| s).to_string());
    }
    let wanted_tags = host.all();
    let to_add: BTreeSet<&String> = wanted_tags
        .iter()
        .filter(|t| !droplet.tags.contains(t))
        .collect();
    let to_remove: BTreeSet<&String> = droplet
        .tags
        .iter()
        .filter(|t| !wanted_tags.contains(t))
        .filter(|t| {
            ours.contains(*t)
                || [SPEC_TAG_PREFIX, TAGS_TAG_PREFIX, ROLE_TAG_PREFIX]
                    .iter()
                    .any(|prefix| t.starts_with(prefix))
        })
        .collect();
    if to_add.is_empty() && to_remove.is_empty() {
        return TagState::Same;
    }
    TagState::Retag {
        remove: to_remove.into_iter().cloned().collect(),
        add: to_add.into_iter().cloned().collect(),
    }
}

/// Whether a tag request puts the tag on or takes it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOp {
    Add,
    Remove,
}

/// The order tag requests go out: every addition first (so a droplet never lacks a tag it should keep),
/// then every removal, the hash tags last. While a droplet still carries its old `stagecraft:tags:` (or
/// legacy spec) tag, the next plan can tell which of its tags stagecraft set, so an apply stopped half-way
/// is finished by the next one. One step per tag, with every droplet it concerns.
pub fn request_order(
    adds: BTreeMap<String, Vec<u64>>,
    removes: BTreeMap<String, Vec<u64>>,
) -> Vec<(TagOp, String, Vec<u64>)> {
    let (hash_removes, removes): (BTreeMap<String, Vec<u64>>, _) =
        removes.into_iter().partition(|(tag, _)| is_hash_tag(tag));
    let step = |op: TagOp| move |(tag, ids): (String, Vec<u64>)| (op, tag, ids);
    adds.into_iter()
        .map(step(TagOp::Add))
        .chain(removes.into_iter().map(step(TagOp::Remove)))
        .chain(hash_removes.into_iter().map(step(TagOp::Remove)))
        .collect()
}

/// The first subset of `live_user` (sorted, as configured tags are) for which `matches` holds; `None`
/// when there is none, or too many tags to search.
fn subset_with(live_user: &[String], matches: impl Fn(&[String]) -> bool) -> Option<Vec<String>> {
    if live_user.len() > MAX_TAG_SEARCH {
        return None;
    }
    (0u32..1 << live_user.len()).find_map(|mask| {
        let subset: Vec<String> = live_user
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, t)| t.clone())
            .collect();
        matches(&subset).then_some(subset)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DesiredHost;
    use sha2::{Digest, Sha256};

    fn host(tags: &[&str]) -> DesiredHost {
        let mut host = DesiredHost::example("app-1");
        host.user_tags = tags.iter().map(|t| t.to_string()).collect();
        host
    }

    /// A droplet as stagecraft would have created it for `created_for`, plus `extra` tags added by hand.
    fn droplet(created_for: &DesiredHost, extra: &[&str]) -> Droplet {
        let mut tags = created_for.tags();
        tags.extend(extra.iter().map(|t| t.to_string()));
        serde_json::from_value(serde_json::json!({
            "id": 7, "name": created_for.droplet_name, "status": "active", "size_slug": created_for.size,
            "region": {"slug": created_for.region}, "image": {"slug": created_for.image}, "tags": tags,
        }))
        .unwrap()
    }

    /// `(removed, added)` of a retag, `Err(spec)` of a replacement, `Ok(None)` when nothing changes.
    fn outcome(host: &DesiredHost, droplet: &Droplet) -> Result<Option<(String, String)>, String> {
        match tag_change(&host.ownership(), droplet) {
            TagState::Same => Ok(None),
            TagState::Retag { remove, add } => Ok(Some((remove.join(" "), add.join(" ")))),
            TagState::SpecChanged(live) => Err(live),
        }
    }

    fn strip_spec(list: &str) -> String {
        list.split_whitespace()
            .filter(|t| !t.starts_with(SPEC_TAG_PREFIX) && !t.starts_with(TAGS_TAG_PREFIX))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn tag_edits_are_made_in_place_and_never_touch_tags_added_by_hand() {
        // (created with, hand-added, now configured, expected removals, expected additions), hash tags aside.
        type Case<'a> = (
            &'a [&'a str],
            &'a [&'a str],
            &'a [&'a str],
            &'a str,
            &'a str,
        );
        let cases: &[Case] = &[
            (&["a"], &[], &["a"], "", ""),
            (&["a"], &[], &["a", "b"], "", "b"),
            (&["a", "b"], &[], &["b"], "a", ""),
            (&["a"], &[], &["c"], "a", "c"),
            (&[], &[], &["a"], "", "a"),
            (&["a"], &[], &[], "a", ""),
            // A tag added by hand stays, whatever the config does.
            (&["a"], &["fw-web"], &["b"], "a", "b"),
            (&["a"], &["fw-web"], &["a"], "", ""),
            // Configured later, already there by hand: nothing to add, and it is ours from now on.
            (&["a"], &["b"], &["a", "b"], "", ""),
        ];
        for (created, by_hand, now, removed, added) in cases {
            let live = droplet(&host(created), by_hand);
            let got = outcome(&host(now), &live).expect("no replacement");
            let got = got.map(|(from, to)| (strip_spec(&from), strip_spec(&to)));
            let want = (created != now).then(|| (removed.to_string(), added.to_string()));
            assert_eq!(
                got, want,
                "created {created:?}, by hand {by_hand:?}, now {now:?}"
            );
        }
    }

    #[test]
    fn the_tags_tag_moves_with_the_tags_and_the_spec_tag_stays() {
        let live = droplet(&host(&["a"]), &[]);
        let (from, to) = outcome(&host(&["b"]), &live).unwrap().unwrap();
        let tags_tag = |t: &[&str]| format!("{TAGS_TAG_PREFIX}{}", tags_hash(&host(t).user_tags));
        assert_eq!(from, format!("a {}", tags_tag(&["a"])));
        assert_eq!(to, format!("b {}", tags_tag(&["b"])));
        assert_eq!(
            host(&["a"]).ownership().spec_hash(),
            host(&["b"]).ownership().spec_hash()
        );
    }

    #[test]
    fn other_spec_changes_still_replace() {
        let live = droplet(&host(&["a"]), &[]);
        let mut changed = host(&["b"]);
        changed.user_data = Some("#cloud-config\n".into());
        assert_eq!(
            outcome(&changed, &live),
            Err(host(&["a"]).ownership().spec_hash()),
            "user data and tags changed together"
        );
        let mut untagged = live.clone();
        untagged.tags.retain(|t| !t.starts_with(SPEC_TAG_PREFIX));
        assert_eq!(outcome(&host(&["a"]), &untagged), Err("(none)".into()));
    }

    #[test]
    fn tags_removed_by_hand_or_too_many_to_search_never_force_a_replacement() {
        // Created with a and b; b removed by hand; now the config wants a and c.
        let mut live = droplet(&host(&["a", "b"]), &[]);
        live.tags.retain(|t| t != "b");
        let (from, to) = outcome(&host(&["a", "c"]), &live).unwrap().unwrap();
        assert!(!from.contains(" a") && !from.starts_with("a "), "{from}");
        assert!(to.starts_with("c "), "{to}");
        // Thirteen hand-added tags: the old set cannot be searched for, so nothing of it is removed.
        let many: Vec<String> = (0..13).map(|i| format!("hand-{i:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let live = droplet(&host(&["a"]), &many);
        let (from, to) = outcome(&host(&["b"]), &live).unwrap().unwrap();
        assert!(
            from.starts_with(TAGS_TAG_PREFIX),
            "only the old tags tag goes: {from}"
        );
        assert!(to.starts_with("b "), "{to}");
    }

    #[test]
    fn droplets_of_earlier_builds_are_retagged_not_replaced() {
        // Their spec tag hashed the user tags too.
        let old = host(&["a"]);
        let mut live = droplet(&old, &["fw-web"]);
        live.tags
            .retain(|t| !t.starts_with(SPEC_TAG_PREFIX) && !t.starts_with(TAGS_TAG_PREFIX));
        live.tags.push(format!(
            "{SPEC_TAG_PREFIX}{}",
            old.ownership().legacy_spec_hash_with(&old.user_tags)
        ));
        let (from, to) = outcome(&host(&["b"]), &live).unwrap().unwrap();
        assert_eq!(
            from,
            format!(
                "a {SPEC_TAG_PREFIX}{}",
                old.ownership().legacy_spec_hash_with(&old.user_tags)
            )
        );
        assert!(
            to.contains(&format!("{SPEC_TAG_PREFIX}{}", old.ownership().spec_hash())),
            "{to}"
        );
        assert!(to.contains(TAGS_TAG_PREFIX) && to.starts_with("b "), "{to}");
        // The legacy formula is the one earlier builds wrote: user data, key, VPC, flags and tags.
        let canonical = serde_json::json!({
            "user_data": old.user_data, "ssh_key": old.ssh_key_name, "vpc_uuid": old.vpc_uuid,
            "monitoring": old.monitoring, "ipv6": old.ipv6, "backups": old.backups, "tags": ["a"],
        });
        let digest = Sha256::digest(canonical.to_string().as_bytes());
        let expected: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            old.ownership().legacy_spec_hash_with(&old.user_tags),
            expected
        );
    }

    #[test]
    fn a_role_change_and_an_apply_stopped_half_way_are_fixed_by_tagging() {
        let live = droplet(&host(&[]), &[]);
        let mut web = host(&[]);
        web.role = "web".into();
        assert_eq!(
            outcome(&web, &live),
            Ok(Some((
                "stagecraft:role:app".to_string(),
                "stagecraft:role:web".to_string()
            )))
        );
        // Stopped after its additions: the old user tag must still go, with the old tags tag.
        let old_tags_tag = format!("{TAGS_TAG_PREFIX}{}", tags_hash(&host(&["a"]).user_tags));
        let mut halfway = droplet(&host(&["a"]), &["b"]);
        halfway.tags.push(format!(
            "{TAGS_TAG_PREFIX}{}",
            tags_hash(&host(&["b"]).user_tags)
        ));
        assert_eq!(
            outcome(&host(&["b"]), &halfway),
            Ok(Some((format!("a {old_tags_tag}"), String::new())))
        );
        // Stopped after removing the user tag but before the old tags tag.
        let mut almost = droplet(&host(&["b"]), &[]);
        almost.tags.push(old_tags_tag.clone());
        assert_eq!(
            outcome(&host(&["b"]), &almost),
            Ok(Some((old_tags_tag, String::new())))
        );
    }
}
