//! Tags change in place: which of a droplet's tags are ours to remove, and in what order tags go on and off.

use std::collections::{BTreeMap, BTreeSet};

use super::hashes::{Wanted, tags_hash};
use super::names::{TAGS_TAG_PREFIX, hashes_of, is_hash_tag, is_removable_own_tag, user_tags};
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
}

/// The tags to change on `droplet` so that it carries `wanted`.
///
/// Which of the droplet's user tags stagecraft set (and so may remove) is told by the `stagecraft:tags:`
/// tag, the hash of that set: the subset of the droplet's own user tags with that hash. Tags added by
/// hand (by a person, or another tool) are never in it, so they are never removed. `legacy_ours`: the
/// tags an earlier build's spec hash showed to be stagecraft's (see [`super::legacy`]).
pub fn tag_change(wanted: &Wanted, droplet: &Droplet, legacy_ours: &[String]) -> TagState {
    let live_user = user_tags(droplet);
    let mut ours: BTreeSet<String> = legacy_ours.iter().cloned().collect();
    // Every tags tag counts: more than one is left by an apply stopped mid-retag, and the old one's tags
    // must still go. A set that cannot be found (tags removed by hand, too many to search) removes nothing.
    for hash in hashes_of(droplet, TAGS_TAG_PREFIX) {
        let configured = &wanted.user_tags;
        if hash == tags_hash(configured) && configured.iter().all(|t| live_user.contains(t)) {
            // The usual case, without a search.
            ours.extend(configured.iter().cloned());
        } else if let Some(set) = subset_with(&live_user, |set| tags_hash(set) == hash) {
            ours.extend(set);
        }
    }
    let wanted_tags = wanted.all();
    let to_add: BTreeSet<&String> = wanted_tags
        .iter()
        .filter(|t| !droplet.tags.contains(t))
        .collect();
    let to_remove: BTreeSet<&String> = droplet
        .tags
        .iter()
        .filter(|t| !wanted_tags.contains(t))
        .filter(|t| ours.contains(*t) || is_removable_own_tag(t))
        .collect();
    if to_add.is_empty() && to_remove.is_empty() {
        return TagState::Same;
    }
    TagState::Retag {
        remove: to_remove.into_iter().cloned().collect(),
        add: to_add.into_iter().cloned().collect(),
    }
}

/// The first subset of `live_user` (sorted, as configured tags are) for which `matches` holds; `None`
/// when there is none, or too many tags to search.
pub(crate) fn subset_with(
    live_user: &[String],
    matches: impl Fn(&[String]) -> bool,
) -> Option<Vec<String>> {
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

/// Whether a tag request puts the tag on or takes it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOp {
    Add,
    Remove,
}

/// The order tag requests go out: every addition first (so a droplet never lacks a tag it should keep),
/// then every removal, the hash tags last. While a droplet still carries its old hash tags, the next plan
/// can tell which of its tags stagecraft set, so an apply stopped half-way is finished by the next one.
/// One step per tag, with every droplet it concerns.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DesiredHost;
    use crate::ownership::names::{PROTECT_TAG, ROLE_TAG_PREFIX, SPEC_TAG_PREFIX};

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

    /// `(removed, added)` as space-separated lists, or `None` when nothing changes.
    fn outcome(host: &DesiredHost, droplet: &Droplet) -> Option<(String, String)> {
        match tag_change(&host.wanted(), droplet, &[]) {
            TagState::Same => None,
            TagState::Retag { remove, add } => Some((remove.join(" "), add.join(" "))),
        }
    }

    fn user_only(list: &str) -> String {
        list.split_whitespace()
            .filter(|t| !is_hash_tag(t))
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
            let got = outcome(&host(now), &live);
            let got = got.map(|(from, to)| (user_only(&from), user_only(&to)));
            let want = (created != now).then(|| (removed.to_string(), added.to_string()));
            assert_eq!(
                got, want,
                "created {created:?}, by hand {by_hand:?}, now {now:?}"
            );
        }
    }

    #[test]
    fn the_tags_tag_moves_with_the_tags_and_the_other_hashes_stay() {
        let live = droplet(&host(&["a"]), &[]);
        let (from, to) = outcome(&host(&["b"]), &live).unwrap();
        let tags_tag = |t: &[&str]| format!("{TAGS_TAG_PREFIX}{}", tags_hash(&host(t).user_tags));
        assert_eq!(from, format!("a {}", tags_tag(&["a"])));
        assert_eq!(to, format!("b {}", tags_tag(&["b"])));
    }

    #[test]
    fn hash_tags_and_protection_follow_the_config_in_place() {
        let created = host(&[]);
        let live = droplet(&created, &[]);
        let mut changed = host(&[]);
        changed.user_data = Some("#cloud-config\n".into());
        changed.ssh_keys = vec!["k".into(), "other".into()];
        changed.protect = true;
        let (from, to) = outcome(&changed, &live).unwrap();
        let old = created.wanted();
        let new = changed.wanted();
        assert_eq!(
            from,
            format!(
                "stagecraft:keys:{} stagecraft:ud:{}",
                old.keys_hash, old.user_data_hash
            )
        );
        assert_eq!(
            to,
            format!(
                "stagecraft:keys:{} {PROTECT_TAG} stagecraft:ud:{}",
                new.keys_hash, new.user_data_hash
            )
        );
        // Protection lifted: the tag goes.
        let (from, to) = outcome(&created, &droplet(&changed, &[])).unwrap();
        assert!(
            from.contains(PROTECT_TAG) && !to.contains(PROTECT_TAG),
            "{from} / {to}"
        );
    }

    #[test]
    fn tags_removed_by_hand_or_too_many_to_search_are_left_alone() {
        // Created with a and b; b removed by hand; now the config wants a and c.
        let mut live = droplet(&host(&["a", "b"]), &[]);
        live.tags.retain(|t| t != "b");
        let (from, to) = outcome(&host(&["a", "c"]), &live).unwrap();
        assert!(!from.contains(" a") && !from.starts_with("a "), "{from}");
        assert!(to.starts_with("c "), "{to}");
        // Thirteen hand-added tags: the old set cannot be searched for, so nothing of it is removed.
        let many: Vec<String> = (0..13).map(|i| format!("hand-{i:02}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let live = droplet(&host(&["a"]), &many);
        let (from, to) = outcome(&host(&["b"]), &live).unwrap();
        assert!(
            from.starts_with(TAGS_TAG_PREFIX),
            "only the old tags tag goes: {from}"
        );
        assert!(to.starts_with("b "), "{to}");
    }

    #[test]
    fn an_earlier_builds_spec_tag_goes_and_the_tags_it_covered_count_as_ours() {
        let old = host(&["a"]);
        let mut live = droplet(&old, &["fw-web"]);
        live.tags.retain(|t| !is_hash_tag(t));
        live.tags.push(format!("{SPEC_TAG_PREFIX}0123456789"));
        let wanted = host(&["b"]).wanted();
        let TagState::Retag { remove, add } = tag_change(&wanted, &live, &["a".to_string()]) else {
            panic!("a retag")
        };
        assert_eq!(
            remove,
            vec!["a".to_string(), format!("{SPEC_TAG_PREFIX}0123456789")]
        );
        assert!(add.contains(&"b".to_string()) && !add.contains(&"fw-web".to_string()));
        assert_eq!(add.iter().filter(|t| is_hash_tag(t)).count(), 3, "{add:?}");
    }

    #[test]
    fn a_role_change_and_an_apply_stopped_half_way_are_fixed_by_tagging() {
        let live = droplet(&host(&[]), &[]);
        let mut web = host(&[]);
        web.role = "web".into();
        assert_eq!(
            outcome(&web, &live),
            Some((
                format!("{ROLE_TAG_PREFIX}app"),
                format!("{ROLE_TAG_PREFIX}web")
            ))
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
            Some((format!("a {old_tags_tag}"), String::new()))
        );
        // Stopped after removing the user tag but before the old tags tag.
        let mut almost = droplet(&host(&["b"]), &[]);
        almost.tags.push(old_tags_tag.clone());
        assert_eq!(
            outcome(&host(&["b"]), &almost),
            Some((old_tags_tag, String::new()))
        );
    }

    #[test]
    fn additions_go_first_and_hash_tags_are_removed_last() {
        let ids = |tags: &[&str]| -> BTreeMap<String, Vec<u64>> {
            tags.iter().map(|t| (t.to_string(), vec![1])).collect()
        };
        let order = request_order(
            ids(&["b", "stagecraft:ud:2"]),
            ids(&["a", "stagecraft:tags:1", "stagecraft:role:x"]),
        );
        let got: Vec<(TagOp, &str)> = order.iter().map(|(op, t, _)| (*op, t.as_str())).collect();
        assert_eq!(
            got,
            [
                (TagOp::Add, "b"),
                (TagOp::Add, "stagecraft:ud:2"),
                (TagOp::Remove, "a"),
                (TagOp::Remove, "stagecraft:role:x"),
                (TagOp::Remove, "stagecraft:tags:1"),
            ]
        );
    }
}
