//! The names stagecraft derives for an env's networking: the group tag its firewalls target, firewall
//! names, DNS record names and the project name. Firewalls and records cannot carry tags, so these names
//! are how stagecraft recognises its own (see [`super::net_owner`]).

use super::names::GROUP_TAG_PREFIX;

/// The tag only this config's droplets of `env` and `role` carry: firewalls name it. Without a config
/// `name:` it is `stagecraft:group:<env>:<role>`, with one `stagecraft:group-<name>:<env>:<role>`; an env
/// has no `:`, so the env ends at the first one and two configs can never share a tag.
pub fn group_tag(config_name: Option<&str>, env: &str, role: &str) -> String {
    format!("{}{env}:{role}", group_prefix(config_name))
}

/// What every group tag of this config starts with (`env` included: `group_prefix(..) + env + ":"`).
pub fn group_prefix(config_name: Option<&str>) -> String {
    match config_name {
        None => format!("{GROUP_TAG_PREFIX}:"),
        Some(n) => format!("{GROUP_TAG_PREFIX}-{n}:"),
    }
}

/// Whether `tag` is a group tag of this config's `env`.
pub fn is_our_group_tag(tag: &str, config_name: Option<&str>, env: &str) -> bool {
    tag.strip_prefix(&group_prefix(config_name))
        .and_then(|rest| rest.strip_prefix(env))
        .is_some_and(|rest| rest.starts_with(':') && rest.len() > 1)
}

/// `{env}-{key}`, or `{name}-{env}-{key}` for a config with `name:`.
pub fn firewall_name(config_name: Option<&str>, env: &str, key: &str) -> String {
    match config_name {
        None => format!("{env}-{key}"),
        Some(n) => format!("{n}-{env}-{key}"),
    }
}

/// The API's firewall name rule: two or more letters, digits, `.` and `-`, starting with a letter or digit.
pub fn check_firewall_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    let rest = chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if first && rest && name.len() >= 2 {
        Ok(())
    } else {
        Err("DigitalOcean firewall names are two or more letters, digits, `.` and `-`, starting with a letter or digit".into())
    }
}

/// The project's name for `env`: the template with `{env}` filled in.
pub fn project_name(template: &str, env: &str) -> String {
    template.replace("{env}", env)
}

/// A host's record name (relative to the domain), lower-cased as DNS compares names; an error when the
/// template yields something DNS refuses.
pub fn record_name(template: &str, host: &str, env: &str, role: &str) -> Result<String, String> {
    let name = template
        .replace("{host}", host)
        .replace("{env}", env)
        .replace("{role}", role)
        .to_ascii_lowercase();
    if name.contains('{') || name.contains('}') {
        return Err(format!(
            "`{name}` has an unknown placeholder; use {{host}}, {{env}} and {{role}}"
        ));
    }
    if name == "@" {
        return Ok(name);
    }
    if !valid_labels(&name, true) {
        return Err(format!(
            "`{name}` is not a valid record name: dot-separated labels of letters, digits, `-` and `_`, each at most 63 characters"
        ));
    }
    Ok(name)
}

/// A domain name such as `example.com`.
pub fn valid_domain(domain: &str) -> bool {
    domain.contains('.') && valid_labels(domain, false)
}

fn valid_labels(name: &str, underscore: bool) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || (underscore && c == '_'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_tags_never_collide_between_configs_and_envs() {
        let cases = [
            (None, "staging", "app", "stagecraft:group:staging:app"),
            (
                Some("shop"),
                "staging",
                "app",
                "stagecraft:group-shop:staging:app",
            ),
            (
                None,
                "staging",
                "db:primary",
                "stagecraft:group:staging:db:primary",
            ),
        ];
        for (name, env, role, tag) in cases {
            assert_eq!(group_tag(name, env, role), tag);
            assert!(is_our_group_tag(tag, name, env));
        }
        assert!(!is_our_group_tag(
            "stagecraft:group:staging:app",
            Some("shop"),
            "staging"
        ));
        assert!(!is_our_group_tag(
            "stagecraft:group-shop:staging:app",
            None,
            "staging"
        ));
        assert!(!is_our_group_tag(
            "stagecraft:group:staging2:app",
            None,
            "staging"
        ));
        assert!(!is_our_group_tag(
            "stagecraft:group:staging:",
            None,
            "staging"
        ));
        assert!(!is_our_group_tag("gateway", None, "staging"));
    }

    #[test]
    fn record_names_from_the_template() {
        let cases = [
            ("{host}.{env}", Ok("app-1.staging")),
            ("{host}", Ok("app-1")),
            ("{role}-{host}.{env}", Ok("app-app-1.staging")),
            ("{host}..{env}", Err(())),
            ("{hots}.{env}", Err(())),
            ("{host} {env}", Err(())),
            ("@", Ok("@")),
        ];
        for (template, want) in cases {
            let got = record_name(template, "App-1", "staging", "app").map_err(|_| ());
            assert_eq!(got, want.map(String::from), "{template}");
        }
        assert_eq!(firewall_name(None, "staging", "web"), "staging-web");
        assert_eq!(
            firewall_name(Some("shop"), "staging", "web"),
            "shop-staging-web"
        );
        assert!(check_firewall_name("shop_x-staging-web").is_err());
        assert_eq!(project_name("shop {env}", "staging"), "shop staging");
        assert!(
            valid_domain("example.com") && !valid_domain("localhost") && !valid_domain("a..com")
        );
    }
}
