//! Renders `inventory`: Ansible's dynamic-inventory JSON, an ssh_config, `/etc/hosts` lines, or stagecraft's
//! own JSON (format documented in docs/inventory.md).

use serde_json::{Map, Value, json};

use crate::exec::inventory::{Inventory, InventoryHost};
use crate::exec::quote;

/// The version of the `--format json` document; bumped on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("plain JSON");
    text.push('\n');
    text
}

fn address_kind(inv: &Inventory) -> &'static str {
    if inv.private { "private" } else { "public" }
}

/// `ansible-inventory --list`'s shape: a group for the env holding every host, a group per role, and
/// every host's variables under `_meta.hostvars` (so Ansible never calls `--host`).
pub fn ansible_list(inv: &Inventory) -> String {
    let mut groups = Map::new();
    let roles = role_groups(inv);
    let names = |hosts: &mut dyn Iterator<Item = &InventoryHost>| -> Vec<Value> {
        hosts.map(|h| Value::from(h.name.as_str())).collect()
    };
    groups.insert(
        inv.env.clone(),
        json!({"hosts": names(&mut inv.hosts.iter()), "children": roles}),
    );
    for role in &roles {
        let hosts = names(&mut inv.hosts.iter().filter(|h| h.role == *role));
        groups.insert(role.to_string(), json!({ "hosts": hosts }));
    }
    groups.insert("all".into(), json!({"children": [inv.env]}));
    let hostvars: Map<String, Value> = inv
        .hosts
        .iter()
        .map(|h| (h.name.clone(), ansible_vars(h)))
        .collect();
    groups.insert("_meta".into(), json!({ "hostvars": hostvars }));
    pretty(&Value::Object(groups))
}

/// Ansible's static inventory shape (its `yaml` plugin, which also reads `.json` files): the same groups
/// and variables as [`ansible_list`], for a file instead of a script.
pub fn ansible_static(inv: &Inventory) -> String {
    let roles = role_groups(inv);
    let mut children = Map::new();
    for role in &roles {
        let hosts: Map<String, Value> = inv
            .hosts
            .iter()
            .filter(|h| h.role == *role)
            .map(|h| (h.name.clone(), json!({})))
            .collect();
        children.insert(role.to_string(), json!({ "hosts": hosts }));
    }
    let hosts: Map<String, Value> = inv
        .hosts
        .iter()
        .map(|h| (h.name.clone(), ansible_vars(h)))
        .collect();
    let env = json!({"hosts": hosts, "children": children});
    pretty(&json!({"all": {"children": {inv.env.clone(): env}}}))
}

/// The role groups: every role with a reachable host, except one named like the env (that would be the
/// env group itself, which holds its hosts already).
fn role_groups(inv: &Inventory) -> Vec<&str> {
    let mut roles: Vec<&str> = inv.hosts.iter().map(|h| h.role.as_str()).collect();
    roles.sort_unstable();
    roles.dedup();
    roles.retain(|r| *r != inv.env);
    roles
}

/// `--host NAME`: that host's variables, or `{}` for a host the inventory does not hold (Ansible's rule).
pub fn ansible_host(inv: &Inventory, name: &str) -> String {
    let vars = inv
        .hosts
        .iter()
        .find(|h| h.name == name || h.droplet_name == name)
        .map_or_else(|| json!({}), ansible_vars);
    pretty(&vars)
}

fn ansible_vars(h: &InventoryHost) -> Value {
    // Ansible splits these with shlex, which reads POSIX quoting back.
    let mut args: Vec<String> = h
        .trust
        .iter()
        .map(|(k, v)| format!("-o {}", quote::quote(&format!("{k}={v}"))))
        .collect();
    let mut vars = json!({
        "ansible_host": h.address,
        "ansible_user": h.user,
        "ansible_port": h.port,
        "do_id": h.droplet_id,
        "do_name": h.droplet_name,
        "do_region": h.region,
        "do_size": h.size,
        "do_public_ipv4": h.public_ipv4,
        "do_private_ipv4": h.private_ipv4,
        "do_tags": h.tags,
        "stagecraft_role": h.role,
    });
    if let Some(key) = &h.identity_file {
        vars["ansible_ssh_private_key_file"] = json!(key.display().to_string());
        args.push("-o IdentitiesOnly=yes".into());
    }
    vars["ansible_ssh_common_args"] = json!(args.join(" "));
    vars
}

/// One `Host` block per host, under both its names, pinning the same host key as `exec`.
pub fn ssh_config(inv: &Inventory) -> String {
    let mut text = format!(
        "# stagecraft inventory of env `{}`, {} addresses. Generated: rerun `stagecraft inventory --format ssh-config` after apply.\n",
        inv.env,
        address_kind(inv)
    );
    for h in &inv.hosts {
        text.push_str(&format!("\nHost {} {}\n", h.name, h.droplet_name));
        let mut lines: Vec<(&str, String)> = vec![
            ("HostName", h.address.clone()),
            ("User", h.user.clone()),
            ("Port", h.port.to_string()),
        ];
        if let Some(key) = &h.identity_file {
            lines.push(("IdentityFile", key.display().to_string()));
            lines.push(("IdentitiesOnly", "yes".into()));
        }
        lines.extend(h.trust.iter().map(|(k, v)| (*k, v.clone())));
        for (key, value) in lines {
            text.push_str(&format!("    {key} {}\n", config_value(key, &value)));
        }
    }
    text
}

/// A value as ssh_config reads it back: `%` doubled where ssh expands tokens, and double quotes around
/// anything with spaces or quote characters.
fn config_value(key: &str, value: &str) -> String {
    let value = if matches!(key, "HostName" | "IdentityFile" | "UserKnownHostsFile") {
        value.replace('%', "%%")
    } else {
        value.to_string()
    };
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '#'));
    if plain {
        return value;
    }
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

/// `/etc/hosts` lines: the address, then both names.
pub fn hosts_file(inv: &Inventory) -> String {
    let mut text = format!(
        "# stagecraft inventory of env `{}`, {} addresses\n",
        inv.env,
        address_kind(inv)
    );
    for h in &inv.hosts {
        text.push_str(&format!("{}\t{} {}\n", h.address, h.name, h.droplet_name));
    }
    text
}

/// stagecraft's own document (docs/inventory.md).
pub fn json(inv: &Inventory) -> String {
    let hosts: Vec<Value> = inv
        .hosts
        .iter()
        .map(|h| {
            json!({
                "name": h.name,
                "droplet_name": h.droplet_name,
                "droplet_id": h.droplet_id,
                "role": h.role,
                "address": h.address,
                "public_ipv4": h.public_ipv4,
                "private_ipv4": h.private_ipv4,
                "region": h.region,
                "size": h.size,
                "tags": h.tags,
                "ssh": {
                    "user": h.user,
                    "port": h.port,
                    "identity_file": h.identity_file.as_ref().map(|p| p.display().to_string()),
                    "options": h.trust.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    let missing: Vec<Value> = inv
        .missing
        .iter()
        .map(|p| json!({"name": p.host(), "problem": p.to_string()}))
        .collect();
    pretty(&json!({
        "format_version": FORMAT_VERSION,
        "env": inv.env,
        "address": address_kind(inv),
        "known_hosts": inv.known_hosts.display().to_string(),
        "hosts": hosts,
        "missing": missing,
    }))
}

/// The note on stderr about hosts left out, or None when every host is there.
pub fn missing_note(inv: &Inventory) -> Option<String> {
    if inv.missing.is_empty() {
        return None;
    }
    let mut text = format!(
        "stagecraft: {} host{} of env `{}` left out of the inventory:",
        inv.missing.len(),
        if inv.missing.len() == 1 { "" } else { "s" },
        inv.env
    );
    for problem in &inv.missing {
        text.push_str(&format!("\n  {problem}"));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str, role: &str) -> InventoryHost {
        InventoryHost {
            name: name.into(),
            droplet_name: format!("web-{name}"),
            droplet_id: 7,
            role: role.into(),
            address: "203.0.113.7".into(),
            public_ipv4: Some("203.0.113.7".into()),
            private_ipv4: None,
            region: "nyc1".into(),
            size: "s".into(),
            tags: vec![],
            user: "root".into(),
            port: 22,
            identity_file: Some("/keys/my key".into()),
            trust: vec![("UserKnownHostsFile", "/data dir/known_hosts".into())],
        }
    }

    #[test]
    fn ansible_groups_by_env_and_role_and_quotes_ssh_args() {
        let inv = Inventory {
            env: "web".into(),
            private: false,
            known_hosts: "/k".into(),
            hosts: vec![host("a-1", "app"), host("w-1", "web")],
            missing: vec![],
        };
        let doc: Value = serde_json::from_str(&ansible_list(&inv)).unwrap();
        assert_eq!(doc["web"]["hosts"], json!(["a-1", "w-1"]));
        // The role named like the env is the env group itself, not a child of it.
        assert_eq!(doc["web"]["children"], json!(["app"]));
        assert_eq!(doc["app"]["hosts"], json!(["a-1"]));
        assert_eq!(doc["all"]["children"], json!(["web"]));
        let vars = &doc["_meta"]["hostvars"]["a-1"];
        assert_eq!(vars["ansible_ssh_private_key_file"], "/keys/my key");
        assert_eq!(
            vars["ansible_ssh_common_args"],
            "-o 'UserKnownHostsFile=/data dir/known_hosts' -o IdentitiesOnly=yes"
        );
        assert_eq!(ansible_host(&inv, "web-w-1"), ansible_host(&inv, "w-1"));
        let file: Value = serde_json::from_str(&ansible_static(&inv)).unwrap();
        let env = &file["all"]["children"]["web"];
        assert_eq!(env["hosts"]["a-1"], *vars);
        assert_eq!(env["children"], json!({"app": {"hosts": {"a-1": {}}}}));
    }

    #[test]
    fn ssh_config_values_survive_spaces_quotes_and_percent() {
        assert_eq!(config_value("User", "root"), "root");
        assert_eq!(
            config_value("UserKnownHostsFile", "/a b/100%/k"),
            "\"/a b/100%%/k\""
        );
        assert_eq!(config_value("HostKeyAlias", "x%y"), "x%y");
        assert_eq!(config_value("User", "a\"b"), "\"a\\\"b\"");
    }
}
