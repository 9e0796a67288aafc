//! The rules per setting: what differs between a host and its droplet, and whether the API can change it
//! in place. Visible settings are read from the droplet; user data and SSH keys, which the API never
//! shows back, from the hash tags stagecraft wrote. Pure.

use super::model::{Change, Effect};
use crate::config::DesiredHost;
use crate::config::model::ChangePolicy;
use crate::ownership::Wanted;
use crate::ownership::hashes::keys_hash;
use crate::ownership::legacy::{self, Visible};
use crate::ownership::names::{
    KEYS_TAG_PREFIX, SPEC_TAG_PREFIX, UD_TAG_PREFIX, hashes_of, user_tags,
};
use crate::ownership::{TagState, tag_change};
use crate::provider::{Droplet, DropletStatus};

/// A host compared with its droplet.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    pub changes: Vec<Change>,
    /// Some hash tag is missing and no earlier build's hash explains it: what cannot be seen is recorded
    /// now, never compared.
    pub adopt: bool,
}

impl Compared {
    pub fn replaces(&self) -> bool {
        self.changes.iter().any(|c| c.effect == Effect::Replace)
    }
}

/// Compares `host` with `droplet`; `account_keys`: the account's SSH key names, which may explain the hash
/// of an earlier build.
pub fn compare(host: &DesiredHost, droplet: &Droplet, account_keys: &[String]) -> Compared {
    let mut changes = visible_changes(host, droplet);
    let mut wanted = host.wanted();
    let known = known_hashes(host, droplet, account_keys);
    if let Some(live) = &known.user_data
        && !live.contains(&wanted.user_data_hash)
    {
        match host.on_user_data_change {
            // Ignored: the droplet keeps the hash of what it really runs.
            ChangePolicy::Ignore => wanted.user_data_hash = live[0].clone(),
            ChangePolicy::Replace => changes.push(change(
                "user_data",
                &live[0],
                &wanted.user_data_hash,
                Effect::Replace,
            )),
        }
    }
    if let Some(live) = &known.keys
        && !live.contains(&wanted.keys_hash)
    {
        let effect = match host.on_ssh_keys_change {
            ChangePolicy::Ignore => Effect::NewDropletsOnly,
            ChangePolicy::Replace => Effect::Replace,
        };
        changes.push(change("ssh_keys", &live[0], &wanted.keys_hash, effect));
    }
    if let TagState::Retag { remove, add } = tag_change(&wanted, droplet, &known.legacy_ours) {
        changes.push(change(
            "tags",
            &remove.join(" "),
            &add.join(" "),
            Effect::InPlace,
        ));
    }
    Compared {
        changes,
        adopt: known.user_data.is_none() || known.keys.is_none(),
    }
}

fn change(field: &str, from: &str, to: &str, effect: Effect) -> Change {
    Change {
        field: field.into(),
        from: from.into(),
        to: to.into(),
        effect,
    }
}

/// What the droplet shows itself, in a fixed order: region, image, vpc_uuid, size, backups, ipv6,
/// monitoring, power.
pub fn visible_changes(host: &DesiredHost, droplet: &Droplet) -> Vec<Change> {
    let mut out = Vec::new();
    let flag = |on: bool| if on { "true" } else { "false" };
    if droplet.region.slug != host.region {
        out.push(change(
            "region",
            &droplet.region.slug,
            &host.region,
            Effect::Replace,
        ));
    }
    if !image_matches(droplet, &host.image) {
        out.push(change(
            "image",
            &image_label(droplet),
            &host.image,
            Effect::Replace,
        ));
    }
    // A VPC the config does not name is the region's default, whatever it is.
    if let Some(vpc) = &host.vpc_uuid
        && droplet.vpc_uuid.as_deref() != Some(vpc.as_str())
    {
        let live = droplet.vpc_uuid.as_deref().unwrap_or("(none)");
        out.push(change("vpc_uuid", live, vpc, Effect::Replace));
    }
    if droplet.size_slug != host.size {
        out.push(change(
            "size",
            &droplet.size_slug,
            &host.size,
            Effect::InPlace,
        ));
    }
    // The flags the droplet lists in `features`: what turning each on and off takes. The API has no
    // action to turn IPv6 off, nor monitoring either way.
    let flags = [
        ("backups", host.backups, Effect::InPlace, Effect::InPlace),
        ("ipv6", host.ipv6, Effect::InPlace, Effect::Replace),
        (
            "monitoring",
            host.monitoring,
            Effect::Replace,
            Effect::Replace,
        ),
    ];
    for (field, wanted, on, off) in flags {
        let live = droplet.has_feature(field);
        if live != wanted {
            let effect = if wanted { on } else { off };
            out.push(change(field, flag(live), flag(wanted), effect));
        }
    }
    if droplet.status == DropletStatus::Off && droplet.size_slug == host.size {
        // Left off (by a person, or an interrupted resize): applying powers it back on. A resize powers
        // it on anyway.
        out.push(change("power", "off", "on", Effect::InPlace));
    }
    out
}

/// The hashes a droplet records of what cannot be seen; `None` where nothing is known.
struct Known {
    user_data: Option<Vec<String>>,
    keys: Option<Vec<String>>,
    /// User tags an earlier build's hash showed stagecraft had set.
    legacy_ours: Vec<String>,
}

fn known_hashes(host: &DesiredHost, droplet: &Droplet, account_keys: &[String]) -> Known {
    let listed = |prefix| {
        let hashes: Vec<String> = hashes_of(droplet, prefix).map(str::to_string).collect();
        (!hashes.is_empty()).then_some(hashes)
    };
    let mut known = Known {
        user_data: listed(UD_TAG_PREFIX),
        keys: listed(KEYS_TAG_PREFIX),
        legacy_ours: Vec::new(),
    };
    if known.user_data.is_some() && known.keys.is_some() {
        return known;
    }
    let mut key_names: Vec<&str> = host.ssh_keys.iter().map(String::as_str).collect();
    key_names.extend(account_keys.iter().map(String::as_str));
    let live_user = user_tags(droplet);
    let visible = Visible {
        vpc_uuid: droplet.vpc_uuid.as_deref(),
        monitoring: droplet.has_feature("monitoring"),
        ipv6: droplet.has_feature("ipv6"),
        backups: droplet.has_feature("backups"),
    };
    let settings = host.legacy_settings();
    let found = hashes_of(droplet, SPEC_TAG_PREFIX)
        .find_map(|spec| legacy::recognise(spec, &settings, &visible, &key_names, &live_user));
    if let Some(found) = found {
        // The user data is the config's (the match assumed it); the key is the one that explained it.
        let wanted: Wanted = host.wanted();
        known
            .user_data
            .get_or_insert_with(|| vec![wanted.user_data_hash]);
        known
            .keys
            .get_or_insert_with(|| vec![keys_hash(&[found.ssh_key])]);
        known.legacy_ours = found.user_tags.unwrap_or_default();
    }
    known
}

pub fn image_matches(droplet: &Droplet, wanted: &str) -> bool {
    droplet.image.slug.as_deref() == Some(wanted)
        || droplet.image.id.map(|id| id.to_string()).as_deref() == Some(wanted)
}

pub fn image_label(droplet: &Droplet) -> String {
    droplet
        .image
        .slug
        .clone()
        .or_else(|| droplet.image.id.map(|id| id.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ownership::names::{KEYS_TAG_PREFIX, UD_TAG_PREFIX};

    /// A droplet exactly as stagecraft creates it for `host`.
    fn droplet_for(host: &DesiredHost) -> Droplet {
        let mut features = vec!["private_networking"];
        for (on, name) in [
            (host.backups, "backups"),
            (host.ipv6, "ipv6"),
            (host.monitoring, "monitoring"),
        ] {
            if on {
                features.push(name);
            }
        }
        serde_json::from_value(serde_json::json!({
            "id": 7, "name": host.droplet_name, "status": "active", "size_slug": host.size,
            "region": {"slug": host.region}, "image": {"slug": host.image}, "tags": host.tags(),
            "features": features, "vpc_uuid": "vpc-default",
        }))
        .unwrap()
    }

    fn effects(compared: &Compared) -> Vec<(&str, Effect)> {
        compared
            .changes
            .iter()
            .filter(|c| c.field != "tags")
            .map(|c| (c.field.as_str(), c.effect))
            .collect()
    }

    #[test]
    fn each_setting_changes_in_place_or_by_replacement() {
        use Effect::*;
        type Edit = fn(&mut DesiredHost);
        type Case<'a> = (&'a str, Edit, Vec<(&'a str, Effect)>);
        let cases: Vec<Case> = vec![
            ("nothing", |_| {}, vec![]),
            (
                "size",
                |h| h.size = "s-2vcpu-4gb".into(),
                vec![("size", InPlace)],
            ),
            (
                "backups on",
                |h| h.backups = true,
                vec![("backups", InPlace)],
            ),
            ("ipv6 on", |h| h.ipv6 = true, vec![("ipv6", InPlace)]),
            (
                "region",
                |h| h.region = "nyc3".into(),
                vec![("region", Replace)],
            ),
            (
                "image",
                |h| h.image = "debian-12-x64".into(),
                vec![("image", Replace)],
            ),
            (
                "vpc",
                |h| h.vpc_uuid = Some("vpc-other".into()),
                vec![("vpc_uuid", Replace)],
            ),
            (
                "monitoring",
                |h| h.monitoring = true,
                vec![("monitoring", Replace)],
            ),
            (
                "user data",
                |h| h.user_data = Some("#cloud-config\n".into()),
                vec![("user_data", Replace)],
            ),
            (
                "user data ignored",
                |h| {
                    h.user_data = Some("#cloud-config\n".into());
                    h.on_user_data_change = ChangePolicy::Ignore;
                },
                vec![],
            ),
            (
                "keys",
                |h| h.ssh_keys = vec!["other".into()],
                vec![("ssh_keys", NewDropletsOnly)],
            ),
            (
                "keys replaced",
                |h| {
                    h.ssh_keys = vec!["other".into()];
                    h.on_ssh_keys_change = ChangePolicy::Replace;
                },
                vec![("ssh_keys", Replace)],
            ),
            // The config naming the VPC the droplet is in already is no change.
            (
                "same vpc",
                |h| h.vpc_uuid = Some("vpc-default".into()),
                vec![],
            ),
        ];
        let created = DesiredHost::example("app-1");
        let live = droplet_for(&created);
        for (what, edit, want) in cases {
            let mut host = created.clone();
            edit(&mut host);
            let compared = compare(&host, &live, &[]);
            assert_eq!(effects(&compared), want, "{what}");
            assert!(!compared.adopt, "{what}");
        }
        // Backups off, and IPv6 off (no action for it).
        let mut with = created.clone();
        with.backups = true;
        with.ipv6 = true;
        let compared = compare(&created, &droplet_for(&with), &[]);
        assert_eq!(
            effects(&compared),
            vec![("backups", InPlace), ("ipv6", Replace)]
        );
    }

    #[test]
    fn a_droplet_without_hash_tags_is_adopted_and_never_replaced_for_what_it_hides() {
        let mut host = DesiredHost::example("app-1");
        let mut live = droplet_for(&host);
        live.tags.retain(|t| {
            !t.starts_with(UD_TAG_PREFIX)
                && !t.starts_with(KEYS_TAG_PREFIX)
                && !t.starts_with("stagecraft:tags:")
        });
        host.user_data = Some("#cloud-config\n".into());
        host.size = "s-2vcpu-4gb".into();
        let compared = compare(&host, &live, &[]);
        assert!(compared.adopt);
        assert!(!compared.replaces());
        assert_eq!(effects(&compared), vec![("size", Effect::InPlace)]);
        let tags = compared.changes.iter().find(|c| c.field == "tags").unwrap();
        assert!(
            tags.to.contains(UD_TAG_PREFIX) && tags.to.contains(KEYS_TAG_PREFIX),
            "{tags:?}"
        );
    }

    #[test]
    fn an_earlier_builds_spec_tag_is_recognised_field_by_field() {
        let host = DesiredHost::example("app-1");
        let mut live = droplet_for(&host);
        live.tags
            .retain(|t| !t.starts_with(UD_TAG_PREFIX) && !t.starts_with(KEYS_TAG_PREFIX));
        live.tags.push(format!(
            "{SPEC_TAG_PREFIX}{}",
            host.legacy_settings().hash(None)
        ));
        // Same config: a retag only.
        let compared = compare(&host, &live, &[]);
        assert!(
            !compared.adopt && effects(&compared).is_empty(),
            "{compared:?}"
        );
        // The key changed since (the old one is still in the account): noted, not replaced.
        let mut rekeyed = host.clone();
        rekeyed.ssh_keys = vec!["new".into()];
        let compared = compare(&rekeyed, &live, &["k".to_string(), "new".to_string()]);
        assert_eq!(
            effects(&compared),
            vec![("ssh_keys", Effect::NewDropletsOnly)]
        );
        // Unexplained (the user data changed too): treated as unseen, never replaced.
        let mut changed = host.clone();
        changed.user_data = Some("#cloud-config\n".into());
        let compared = compare(&changed, &live, &[]);
        assert!(compared.adopt && !compared.replaces(), "{compared:?}");
    }
}
