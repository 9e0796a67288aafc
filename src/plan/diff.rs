//! The diff of desired hosts against live droplets. Pure: no I/O, sorted output, same input same plan.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::model::{Change, Conflict, Cost, Entry, FORMAT_VERSION, Plan};
use crate::config::DesiredHost;
use crate::config::hosts::{
    REPLACES_TAG_PREFIX, ROLE_TAG_PREFIX, SPEC_TAG_PREFIX, TAGS_TAG_PREFIX, is_stagecraft_tag,
    tags_hash,
};
use crate::provider::Droplet;

/// Everything a plan is computed from.
pub struct Inputs<'a> {
    pub env: &'a str,
    pub desired: &'a [DesiredHost],
    /// Droplets carrying the env tag.
    pub live: &'a [Droplet],
    /// Droplets without the env tag whose names the config wants.
    pub unmanaged_same_name: &'a [Droplet],
    /// Monthly price per size slug.
    pub prices: &'a BTreeMap<String, f64>,
}

pub fn diff(inputs: &Inputs<'_>) -> Result<Plan, Vec<Conflict>> {
    let mut conflicts = Vec::new();
    let mut live_by_name: BTreeMap<&str, Vec<&Droplet>> = BTreeMap::new();
    for droplet in inputs.live {
        live_by_name
            .entry(droplet.name.as_str())
            .or_default()
            .push(droplet);
    }
    // A replacement carries `stagecraft:replaces:<old id>`: if an apply stopped before deleting the old
    // droplet, the old one is simply to be deleted, not a duplicate.
    let mut superseded: Vec<&Droplet> = Vec::new();
    for droplets in live_by_name.values_mut() {
        let replaced: Vec<u64> = droplets
            .iter()
            .flat_map(|d| {
                d.tags
                    .iter()
                    .filter_map(|t| t.strip_prefix(REPLACES_TAG_PREFIX)?.parse().ok())
            })
            .collect();
        let (old, keep): (Vec<&Droplet>, Vec<&Droplet>) =
            droplets.iter().partition(|d| replaced.contains(&d.id));
        if !keep.is_empty() {
            superseded.extend(old);
            *droplets = keep;
        }
    }
    for (name, droplets) in &live_by_name {
        if droplets.len() > 1 {
            let mut ids: Vec<u64> = droplets.iter().map(|d| d.id).collect();
            ids.sort_unstable();
            conflicts.push(Conflict::Duplicate {
                droplet_name: name.to_string(),
                ids,
            });
        }
    }
    let mut unmanaged: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for droplet in inputs.unmanaged_same_name {
        let wanted = inputs
            .desired
            .iter()
            .any(|h| h.droplet_name.eq_ignore_ascii_case(&droplet.name));
        if wanted && !live_by_name.contains_key(droplet.name.as_str()) {
            unmanaged
                .entry(droplet.name.as_str())
                .or_default()
                .push(droplet.id);
        }
    }
    for (name, mut ids) in unmanaged {
        ids.sort_unstable();
        conflicts.push(Conflict::Unmanaged {
            droplet_name: name.to_string(),
            ids,
        });
    }
    if !conflicts.is_empty() {
        conflicts.sort_by(|a, b| conflict_key(a).cmp(conflict_key(b)));
        return Err(conflicts);
    }

    let price = |size: &str| inputs.prices.get(size).copied().unwrap_or(0.0);
    let mut plan = Plan {
        format_version: FORMAT_VERSION,
        env: inputs.env.to_string(),
        to_create: Vec::new(),
        to_delete: Vec::new(),
        to_update: Vec::new(),
        to_replace: Vec::new(),
        unchanged: Vec::new(),
        cost: Cost::default(),
        live_fingerprint: live_fingerprint(inputs.live),
        config_fingerprint: config_fingerprint(inputs.desired),
    };
    let mut current = 0.0;
    let mut planned = 0.0;
    for host in inputs.desired {
        planned += price(&host.size);
        let Some(droplet) = live_by_name
            .get(host.droplet_name.as_str())
            .and_then(|d| d.first())
        else {
            plan.to_create.push(entry_for(host, None, Vec::new()));
            continue;
        };
        current += price(&droplet.size_slug);
        let (replace, update) = changes(host, droplet);
        if !replace.is_empty() {
            let mut all = replace;
            all.extend(update);
            plan.to_replace.push(entry_for(host, Some(droplet.id), all));
        } else if !update.is_empty() {
            plan.to_update
                .push(entry_for(host, Some(droplet.id), update));
        } else {
            plan.unchanged.push(host.droplet_name.clone());
        }
    }
    let prefix = format!("{}-", inputs.env);
    let undesired = live_by_name
        .iter()
        .filter(|(name, _)| !inputs.desired.iter().any(|h| h.droplet_name == **name))
        .map(|(_, droplets)| droplets[0]);
    for droplet in undesired.chain(superseded) {
        let name = &droplet.name;
        current += price(&droplet.size_slug);
        plan.to_delete.push(Entry {
            name: name.strip_prefix(&prefix).unwrap_or(name).to_string(),
            droplet_name: name.to_string(),
            role: droplet
                .tags
                .iter()
                .find_map(|t| t.strip_prefix(ROLE_TAG_PREFIX))
                .unwrap_or("")
                .to_string(),
            size: droplet.size_slug.clone(),
            region: droplet.region.slug.clone(),
            image: image_label(droplet),
            droplet_id: Some(droplet.id),
            changes: Vec::new(),
        });
    }
    for list in [
        &mut plan.to_create,
        &mut plan.to_delete,
        &mut plan.to_update,
        &mut plan.to_replace,
    ] {
        list.sort_by(|a, b| a.droplet_name.cmp(&b.droplet_name));
    }
    plan.unchanged.sort();
    plan.cost = Cost {
        current_monthly_usd: round_cents(current),
        planned_monthly_usd: round_cents(planned),
        delta_monthly_usd: round_cents(planned - current),
    };
    Ok(plan)
}

fn conflict_key(c: &Conflict) -> &str {
    match c {
        Conflict::Unmanaged { droplet_name, .. } | Conflict::Duplicate { droplet_name, .. } => {
            droplet_name
        }
    }
}

/// Splits differences into those that need a new droplet and those a resize can fix.
fn changes(host: &DesiredHost, droplet: &Droplet) -> (Vec<Change>, Vec<Change>) {
    let change = |field: &str, from: String, to: &str| Change {
        field: field.into(),
        from,
        to: to.into(),
    };
    let mut replace = Vec::new();
    let mut update = Vec::new();
    if droplet.region.slug != host.region {
        replace.push(change("region", droplet.region.slug.clone(), &host.region));
    }
    if !image_matches(droplet, &host.image) {
        replace.push(change("image", image_label(droplet), &host.image));
    }
    match tag_change(host, droplet) {
        TagState::Same => {}
        TagState::Retag(change) => update.push(change),
        TagState::SpecChanged(live) => {
            // User data, SSH key, VPC or flags changed: the API cannot show or change these in place.
            replace.push(change("spec", live, &host.spec_hash()));
        }
    }
    if droplet.size_slug != host.size {
        update.push(change("size", droplet.size_slug.clone(), &host.size));
    } else if droplet.status == "off" {
        // Left off (by a person, or an interrupted resize): applying powers it back on.
        update.push(change("power", "off".into(), "on"));
    }
    (replace, update)
}

/// Live user tags beyond this many are not searched for the ones stagecraft set (2^n hashes).
const MAX_TAG_SEARCH: usize = 12;

enum TagState {
    Same,
    /// Tags to remove (`from`) and to add (`to`), as space-separated lists: a change made in place.
    Retag(Change),
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
/// [`DesiredHost::legacy_spec_hash_with`]); the subset reproducing it serves both purposes.
fn tag_change(host: &DesiredHost, droplet: &Droplet) -> TagState {
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
        let configured = &host.user_tags;
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
    let wanted_tags = host.tags();
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
    let join = |tags: BTreeSet<&String>| {
        tags.into_iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    };
    TagState::Retag(Change {
        field: "tags".into(),
        from: join(to_remove),
        to: join(to_add),
    })
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

fn image_matches(droplet: &Droplet, wanted: &str) -> bool {
    droplet.image.slug.as_deref() == Some(wanted)
        || droplet.image.id.map(|id| id.to_string()).as_deref() == Some(wanted)
}

fn image_label(droplet: &Droplet) -> String {
    droplet
        .image
        .slug
        .clone()
        .or_else(|| droplet.image.id.map(|id| id.to_string()))
        .unwrap_or_default()
}

fn entry_for(host: &DesiredHost, droplet_id: Option<u64>, changes: Vec<Change>) -> Entry {
    Entry {
        name: host.name.clone(),
        droplet_name: host.droplet_name.clone(),
        role: host.role.clone(),
        size: host.size.clone(),
        region: host.region.clone(),
        image: host.image.clone(),
        droplet_id,
        changes,
    }
}

fn round_cents(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A hash of the managed droplets as far as a plan depends on them (status and addresses excluded,
/// so a droplet finishing its boot does not make a saved plan stale).
pub fn live_fingerprint(live: &[Droplet]) -> String {
    let mut lines: Vec<String> = live
        .iter()
        .map(|d| {
            let mut tags = d.tags.clone();
            tags.sort();
            format!(
                "{}|{}|{}|{}|{}|{}",
                d.id,
                d.name,
                d.size_slug,
                d.region.slug,
                image_label(d),
                tags.join(",")
            )
        })
        .collect();
    lines.sort();
    short_hash(&lines.join("\n"))
}

pub fn config_fingerprint(desired: &[DesiredHost]) -> String {
    let lines: Vec<String> = desired
        .iter()
        .map(|h| {
            format!(
                "{}|{}|{}|{}|{}",
                h.droplet_name, h.role, h.size, h.region, h.image
            ) + "|"
                + &h.spec_hash()
        })
        .collect();
    short_hash(&lines.join("\n"))
}

fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        match tag_change(host, droplet) {
            TagState::Same => Ok(None),
            TagState::Retag(c) => Ok(Some((c.from, c.to))),
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
        assert_eq!(host(&["a"]).spec_hash(), host(&["b"]).spec_hash());
    }

    #[test]
    fn other_spec_changes_still_replace() {
        let live = droplet(&host(&["a"]), &[]);
        let mut changed = host(&["b"]);
        changed.user_data = Some("#cloud-config\n".into());
        assert_eq!(
            outcome(&changed, &live),
            Err(host(&["a"]).spec_hash()),
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
            old.legacy_spec_hash_with(&old.user_tags)
        ));
        let (from, to) = outcome(&host(&["b"]), &live).unwrap().unwrap();
        assert_eq!(
            from,
            format!(
                "a {SPEC_TAG_PREFIX}{}",
                old.legacy_spec_hash_with(&old.user_tags)
            )
        );
        assert!(
            to.contains(&format!("{SPEC_TAG_PREFIX}{}", old.spec_hash())),
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
        assert_eq!(old.legacy_spec_hash_with(&old.user_tags), expected);
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
