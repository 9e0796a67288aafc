//! Offline rules beyond the schema: names, tags, token look-alikes, allow-lists and policy.

use std::sync::LazyLock;

use regex::Regex;

use std::collections::BTreeMap;

use super::hosts::{self, DesiredHost};
use super::located::{Node, Value};
use super::names::{is_uuid, is_valid_droplet_name, is_valid_tag, user_tag_problem};
use super::{Config, Pos, Problem};
use crate::ownership::{env_tag, role_tag};

static HEX64: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[0-9a-fA-F]{64}$").expect("valid regex"));

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

/// A wait from the config (`key` is its name in messages): above 0 and below a day.
pub fn wait_duration(key: &str, text: &str) -> Result<std::time::Duration, String> {
    match crate::clock::parse_duration(text) {
        // Too long to even represent is too long to wait for: one message for both.
        Err(crate::clock::DurationError::TooLong(_)) => {
            Err(format!("{key} is {text}; it must be below a day (24h)"))
        }
        Err(e) => Err(e.to_string()),
        Ok(d) if d.is_zero() => Err(format!("{key} is 0; it must be above 0")),
        Ok(d) if d >= crate::clock::MAX_WAIT => {
            Err(format!("{key} is {text}; it must be below a day (24h)"))
        }
        Ok(d) => Ok(d),
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
    for tag in provider.tags.iter().flatten() {
        if let Some(message) = user_tag_problem(tag) {
            push_to(
                &mut problems,
                at(&[dop[0], dop[1], dop[2], "tags"]),
                "tags".into(),
                message,
            );
        }
    }
    if let Some(url) = &provider.api_url
        && let Err(crate::provider::ProviderError::BadUrl { url, reason }) =
            crate::provider::url::check_base_url(url)
    {
        push_to(
            &mut problems,
            at(&[dop[0], dop[1], dop[2], "api_url"]),
            "api_url".into(),
            format!("api_url `{url}` {reason}"),
        );
    }
    for (vpc, path) in
        std::iter::once((&provider.vpc_uuid, vec![dop[0], dop[1], dop[2], "vpc_uuid"])).chain(
            provider.hosts.iter().flat_map(|(env, hosts)| {
                hosts.iter().map(move |(key, h)| {
                    (
                        &h.vpc_uuid,
                        vec![
                            dop[0],
                            dop[1],
                            dop[2],
                            "hosts",
                            env.as_str(),
                            key.as_str(),
                            "vpc_uuid",
                        ],
                    )
                })
            }),
        )
    {
        if let Some(vpc) = vpc.as_ref().filter(|v| !is_uuid(v)) {
            push_to(
                &mut problems,
                at(&path),
                path[2..].join("."),
                format!(
                    "vpc_uuid `{vpc}` is not a VPC id (a UUID such as 0062976c-97f7-47d2-b2f5-832500ba3cc3; `doctl vpcs list` shows them)"
                ),
            );
        }
    }
    let timings = provider.apply.clone().unwrap_or_default();
    for (key, value) in [
        ("poll_interval", &timings.poll_interval),
        ("timeout", &timings.timeout),
        ("delete_timeout", &timings.delete_timeout),
    ] {
        let Some(text) = value else { continue };
        let problem = wait_duration(&format!("apply.{key}"), text).err();
        if let Some(message) = problem {
            push_to(
                &mut problems,
                at(&[dop[0], dop[1], dop[2], "apply", key]),
                format!("apply.{key}"),
                message,
            );
        }
    }
    if let Some(Err(message)) = timings.max_replacing.as_ref().map(|m| m.limit(1)) {
        push_to(
            &mut problems,
            at(&[dop[0], dop[1], dop[2], "apply", "max_replacing"]),
            "apply.max_replacing".into(),
            message,
        );
    }
    let policy = provider.policy.clone().unwrap_or_default();
    let positive = [
        ("max_droplets", policy.max_droplets.map(f64::from)),
        ("max_monthly_usd", policy.max_monthly_usd),
    ];
    for (key, value) in positive {
        if let Some(v) = value.filter(|v| v.is_nan() || *v <= 0.0) {
            push_to(
                &mut problems,
                at(&[dop[0], dop[1], dop[2], "policy", key]),
                format!("policy.{key}"),
                format!("policy.{key} is {v}; it must be above 0 (leave it out for no limit)"),
            );
        }
    }
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
                        "host name `{key}` gives the droplet name `{droplet}`, which DigitalOcean refuses: use letters, digits, `.` and `-`, ending in a letter or digit, at most 255 characters in all"
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
                if let Some(message) = user_tag_problem(tag) {
                    push_to(
                        &mut problems,
                        at(&[dop[0], dop[1], dop[2], "hosts", env, key, "tags"]),
                        format!("{path}.tags"),
                        message,
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
                    "environment `{env}` asks for {} droplet{}; policy.max_droplets allows {max}",
                    desired.len(),
                    if desired.len() == 1 { "" } else { "s" }
                ),
            });
        }
        expanded.insert(env.clone(), desired);
    }
    problems.extend(shared_droplet_names(&expanded));
    (problems, expanded)
}

/// Env `qa` host `app-1` and env `qa-app` host `1` both make `qa-app-1`: two envs of one config would
/// fight over one droplet. Names compare case-insensitively, as the API's name lookup does.
fn shared_droplet_names(expanded: &BTreeMap<String, Vec<DesiredHost>>) -> Vec<Problem> {
    let mut first: std::collections::HashMap<String, &DesiredHost> =
        std::collections::HashMap::new();
    let mut problems = Vec::new();
    for host in expanded.values().flatten() {
        let name = host.droplet_name.to_ascii_lowercase();
        match first.get(&name) {
            Some(other) if other.env != host.env => problems.push(Problem {
                pos: host.pos,
                path: format!("cloud.providers.digitalocean.hosts.{}.{}", host.env, host.name),
                message: format!(
                    "host `{}` of env `{}` makes the droplet `{}`, as host `{}` of env `{}` does; rename one of them",
                    host.name, host.env, host.droplet_name, other.name, other.env
                ),
            }),
            Some(_) => {}
            None => {
                first.insert(name, host);
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

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
