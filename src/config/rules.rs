//! Offline rules beyond the schema: names, tags, token look-alikes, allow-lists and policy.

use std::sync::LazyLock;

use regex::Regex;

use std::collections::BTreeMap;

use super::hosts::{self, DesiredHost};
use super::located::{Node, Value};
use super::{Config, Pos, Problem};
use crate::ownership::{env_tag, role_tag};

/// DigitalOcean's droplet name pattern (docs/api-contract.md), at most 255 characters.
static DROPLET_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$").expect("valid regex"));
/// DigitalOcean's tag pattern, at most 255 characters.
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_\-:]+$").expect("valid regex"));
static HEX64: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9a-fA-F]{64}$").expect("valid regex"));

pub fn is_valid_droplet_name(name: &str) -> bool {
    // The pattern's optional first class would let `-a` through; the real API refuses a leading `-` or `.`.
    name.len() <= 255 && DROPLET_NAME.is_match(name) && !name.starts_with(['-', '.'])
}

pub fn is_valid_tag(tag: &str) -> bool {
    tag.len() <= 255 && TAG.is_match(tag)
}

/// True for values shaped like a DigitalOcean token: those belong in the environment, never in the file.
pub fn looks_like_token(value: &str) -> bool {
    let v = value.trim();
    ["dop_v1_", "doo_v1_", "dor_v1_"]
        .iter()
        .any(|p| v.starts_with(p))
        || HEX64.is_match(v)
}

pub fn check_token_lookalikes(node: &Node, problems: &mut Vec<Problem>) {
    match &node.value {
        Value::Scalar { text, .. } if looks_like_token(text) => problems.push(Problem {
            pos: node.pos,
            path: String::new(),
            message: "this value looks like a DigitalOcean API token; never put the token in the file: set `token_env` to the NAME of an environment variable that holds it".into(),
        }),
        Value::Seq(items) => items.iter().for_each(|i| check_token_lookalikes(i, problems)),
        Value::Map(entries) => entries.iter().for_each(|(k, v)| {
            check_token_lookalikes(k, problems);
            check_token_lookalikes(v, problems);
        }),
        _ => {}
    }
}

/// Every rule the typed config must satisfy beyond its schema, and the hosts of every environment as
/// expanded while checking them (so `user_data_file`s are read once per load).
pub fn check(config: &Config) -> (Vec<Problem>, BTreeMap<String, Vec<DesiredHost>>) {
    let mut expanded = BTreeMap::new();
    let mut problems = Vec::new();
    let provider = config.provider();
    let at = |path: &[&str]| config.position(path);
    let dop = ["cloud", "providers", "digitalocean"];
    fn push_to(problems: &mut Vec<Problem>, pos: Pos, path: String, message: String) {
        problems.push(Problem { pos, path, message });
    }

    if let Some(env) = &config.file.default_env
        && !provider.hosts.contains_key(env)
    {
        push_to(
            &mut problems,
            at(&["default_env"]),
            "default_env".into(),
            format!(
                "default_env `{env}` is not one of the environments under `hosts` ({})",
                config.env_names().join(", ")
            ),
        );
    }
    // The schema requires one of the two keys; here they name nothing.
    if provider.key_names().is_empty() {
        let key = if provider.ssh_key_name.is_some() {
            "ssh_key_name"
        } else {
            "ssh_keys"
        };
        push_to(
            &mut problems,
            at(&[dop[0], dop[1], dop[2], key]),
            key.into(),
            format!("{key} is empty; name an SSH key that exists in the account"),
        );
    }
    for (list, name) in [(&provider.tags, "tags")] {
        for tag in list.iter().flatten() {
            if !is_valid_tag(tag) {
                push_to(
                    &mut problems,
                    at(&[dop[0], dop[1], dop[2], name]),
                    name.into(),
                    format!(
                        "tag `{tag}` is not a valid DigitalOcean tag (letters, digits, `_`, `-`, `:`; at most 255)"
                    ),
                );
            }
        }
    }
    let policy = provider.policy.clone().unwrap_or_default();
    for tag in policy.required_tags.iter().flatten() {
        if !is_valid_tag(tag) {
            push_to(
                &mut problems,
                at(&[dop[0], dop[1], dop[2], "policy", "required_tags"]),
                "policy.required_tags".into(),
                format!("tag `{tag}` is not a valid DigitalOcean tag"),
            );
        }
    }

    // The schema's pattern admits the syntax; the parser also refuses values too long to wait for.
    let timings = provider.apply.clone().unwrap_or_default();
    for (key, text) in [
        ("poll_interval", &timings.poll_interval),
        ("timeout", &timings.timeout),
        ("delete_timeout", &timings.delete_timeout),
    ] {
        if let Some(Err(e)) = text.as_deref().map(crate::clock::parse_duration) {
            let pos = at(&[dop[0], dop[1], dop[2], "apply", key]);
            push_to(&mut problems, pos, format!("apply.{key}"), e.to_string());
        }
    }

    for (env, env_hosts) in &provider.hosts {
        let env_pos = at(&[dop[0], dop[1], dop[2], "hosts", env]);
        let env_path = format!("cloud.providers.digitalocean.hosts.{env}");
        if !is_valid_tag(&env_tag(env)) || !is_valid_droplet_name(&format!("{env}-a")) {
            push_to(
                &mut problems,
                env_pos,
                env_path.clone(),
                format!(
                    "environment name `{env}` must be letters, digits and `-` so that droplet names `{env}-<host>` and the tag `stagecraft:env:{env}` are valid"
                ),
            );
            continue;
        }
        for (key, host) in env_hosts {
            let pos = at(&[dop[0], dop[1], dop[2], "hosts", env, key]);
            let path = format!("{env_path}.{key}");
            let droplet = format!(
                "{env}-{key}{}",
                if host.count.is_some() { "-1" } else { "" }
            );
            if !is_valid_droplet_name(&droplet) {
                push_to(
                    &mut problems,
                    pos,
                    path.clone(),
                    format!(
                        "host name `{key}` gives the droplet name `{droplet}`, which DigitalOcean refuses: use letters, digits, `.` and `-`, ending in a letter or digit"
                    ),
                );
            }
            if let Some(role) = &host.role
                && !is_valid_tag(&role_tag(role))
            {
                push_to(
                    &mut problems,
                    at(&[dop[0], dop[1], dop[2], "hosts", env, key, "role"]),
                    format!("{path}.role"),
                    format!(
                        "role `{role}` must be letters, digits, `_`, `-` or `:` (it becomes the tag `stagecraft:role:{role}`)"
                    ),
                );
            }
            for tag in host.tags.iter().flatten() {
                if !is_valid_tag(tag) {
                    push_to(
                        &mut problems,
                        at(&[dop[0], dop[1], dop[2], "hosts", env, key, "tags"]),
                        format!("{path}.tags"),
                        format!(
                            "tag `{tag}` is not a valid DigitalOcean tag (letters, digits, `_`, `-`, `:`; at most 255)"
                        ),
                    );
                }
            }
        }
        let (desired, found) = hosts::expand(config, env);
        problems.extend(found);
        for host in &desired {
            let mut report = |field: &str, message: String| {
                problems.push(Problem {
                    pos: host.pos,
                    path: format!("{env_path}.{}.{field}", host.name),
                    message,
                })
            };
            if let Some(allowed) = provider
                .regions
                .as_ref()
                .filter(|a| !a.contains(&host.region))
            {
                report(
                    "region",
                    format!(
                        "host `{}` uses region `{}`, which is not in the `regions` allow-list ({})",
                        host.name,
                        host.region,
                        allowed.join(", ")
                    ),
                );
            }
            if let Some(allowed) = provider.sizes.as_ref().filter(|a| !a.contains(&host.size)) {
                report(
                    "size",
                    format!(
                        "host `{}` uses size `{}`, which is not in the `sizes` allow-list ({})",
                        host.name,
                        host.size,
                        allowed.join(", ")
                    ),
                );
            }
            for required in policy
                .required_tags
                .iter()
                .flatten()
                .filter(|t| !host.user_tags.contains(t))
            {
                report(
                    "tags",
                    format!(
                        "host `{}` lacks the tag `{required}` that policy.required_tags demands",
                        host.name
                    ),
                );
            }
        }
        if let Some(max) = policy.max_droplets.filter(|m| desired.len() > *m as usize) {
            problems.push(Problem {
                pos: env_pos,
                path: env_path.clone(),
                message: format!(
                    "environment `{env}` asks for {} droplets; policy.max_droplets allows {max}",
                    desired.len()
                ),
            });
        }
        expanded.insert(env.clone(), desired);
    }
    (problems, expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn droplet_names() {
        let cases = [
            ("a", true),
            ("web-01", true),
            ("sub-01.example.com", true),
            ("staging-app-1", true),
            ("a-", false),
            ("a.", false),
            ("a_b", false),
            ("web 01", false),
            ("", false),
            ("-a", false),
            (".a", false),
            ("App-1", true),
        ];
        for (name, ok) in cases {
            assert_eq!(is_valid_droplet_name(name), ok, "{name:?}");
        }
        assert!(!is_valid_droplet_name(&"a".repeat(256)));
        assert!(is_valid_droplet_name(&"a".repeat(255)));
    }

    #[test]
    fn tags() {
        for (tag, ok) in [
            ("env:prod", true),
            ("stagecraft:role:app", true),
            ("a_b-c", true),
            ("a b", false),
            ("a.b", false),
            ("здорово", false),
            ("", false),
        ] {
            assert_eq!(is_valid_tag(tag), ok, "{tag:?}");
        }
    }

    #[test]
    fn token_lookalikes() {
        let hex = "a".repeat(64);
        for (value, token) in [
            ("dop_v1_abc", true),
            ("doo_v1_x", true),
            ("dor_v1_x", true),
            (hex.as_str(), true),
            ("DO_TOKEN", false),
            ("abc", false),
        ] {
            assert_eq!(looks_like_token(value), token, "{value}");
        }
    }
}
