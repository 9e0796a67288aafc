//! `inventory`: checked by the tools that read it. Ansible's own `ansible-inventory --list` and
//! `ansible -m ping` (ansible-core in the virtualenv `.ci/run` makes), `ssh -G -F` and a real login with
//! the ssh_config, plus the JSON and /etc/hosts formats.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{ExecProject, known_hosts, run, setup};
use crate::case;
use crate::support::harness::{Case, skip};
use crate::support::{CANARY, bin};

pub fn tests() -> Vec<Case> {
    vec![
        case!(ansible_reads_the_inventory_and_pings_every_host),
        case!(the_ssh_config_reaches_hosts_with_the_pinned_key),
        case!(json_and_hosts_formats_and_private_addresses),
    ]
}

/// CI sets this after making the virtualenv, so that missing Ansible fails instead of skipping.
const REQUIRE_ANSIBLE: &str = "STAGECRAFT_REQUIRE_ANSIBLE";

/// The directory holding `ansible` and `ansible-inventory`: `STAGECRAFT_ANSIBLE_BIN`, else the virtualenv
/// `.ci/run` makes in `target/`, else PATH; the test is ignored without one unless CI requires it.
fn ansible_bin() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/ansible-venv/bin");
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::var_os("STAGECRAFT_ANSIBLE_BIN")
        .map(PathBuf::from)
        .into_iter()
        .chain([venv])
        .chain(std::env::split_paths(&path))
        .find(|dir| dir.join("ansible-inventory").is_file());
    match found {
        Some(dir) => dir,
        None if std::env::var(REQUIRE_ANSIBLE).is_ok_and(|v| v == "1") => {
            panic!(
                "ansible-inventory not found ({REQUIRE_ANSIBLE}=1): run .ci/run, which makes target/ansible-venv"
            )
        }
        None => skip("needs ansible-core: .ci/run installs it into target/ansible-venv"),
    }
}

/// The two-line inventory script of docs/inventory.md, for this project.
fn inventory_script(project: &ExecProject) -> PathBuf {
    let script = project.path().join("inventory.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nexec {} -c {} inventory --format ansible \"$@\"\n",
            bin(),
            project.config_path().display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

/// An Ansible command run with the project's variables (the script inherits them) and its state kept
/// in the project, never in the user's ~/.ansible.
fn ansible(project: &ExecProject, program: &str, args: &[&str]) -> std::process::Output {
    let dir = ansible_bin();
    let mut cmd = Command::new(dir.join(program));
    cmd.args(args)
        .current_dir(project.path())
        .env_clear()
        .stdin(Stdio::null());
    for (key, value) in project.command(&[]).get_envs() {
        if let Some(value) = value {
            cmd.env(key, value);
        }
    }
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path)
        .env("HOME", project.path())
        .env("ANSIBLE_HOME", project.path().join("ansible"))
        .env("ANSIBLE_LOCAL_TEMP", project.path().join("ansible/tmp"))
        // Ansible's own shared connections would outlive the test; stagecraft's options are enough.
        .env("ANSIBLE_SSH_ARGS", "")
        .env("ANSIBLE_PYTHON_INTERPRETER", "/usr/bin/python3")
        .env("LC_ALL", "C.UTF-8");
    cmd.output().expect("run ansible")
}

fn ansible_reads_the_inventory_and_pings_every_host() {
    let (_sshd, _api, project) = setup("ansible_reads_the_inventory_and_pings_every_host");
    let _ = ansible_bin();
    let script = inventory_script(&project);
    let script = script.display().to_string();
    let out = ansible(&project, "ansible-inventory", &["-i", &script, "--list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(CANARY));
    let inv: Value = serde_json::from_str(&text).unwrap();
    let hosts = |group: &str| inv[group]["hosts"].clone();
    assert_eq!(hosts("app"), serde_json::json!(["app-1", "app-2", "app-3"]));
    assert_eq!(hosts("db"), serde_json::json!(["db-1"]));
    let staging_children = inv["staging"]["children"].as_array().unwrap();
    assert!(staging_children.contains(&Value::from("app")), "{text}");
    let vars = &inv["_meta"]["hostvars"]["app-2"];
    assert_eq!(vars["ansible_host"], "127.0.0.1");
    assert_eq!(vars["do_name"], "staging-app-2");
    assert_eq!(vars["do_region"], "nyc1");
    assert!(vars["do_id"].as_u64().is_some());
    assert!(vars["do_private_ipv4"].as_str().unwrap().starts_with("10."));
    assert!(
        vars["ansible_ssh_common_args"]
            .as_str()
            .unwrap()
            .contains("HostKeyAlias=stagecraft-droplet-"),
        "{vars}"
    );

    let out = ansible(&project, "ansible", &["all", "-i", &script, "-m", "ping"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches("| SUCCESS").count(), 4, "{text}");
    assert!(text.contains("\"ping\": \"pong\""), "{text}");
    // Ansible pinned the host keys where exec looks for them, under the droplet ids: exec trusts them as
    // they are and adds none.
    let pinned = std::fs::read_to_string(known_hosts(&project)).unwrap();
    assert_eq!(pinned.lines().count(), 4, "{pinned}");
    let id = vars["do_id"].as_u64().unwrap();
    let found = Command::new("ssh-keygen")
        .args(["-F", &format!("stagecraft-droplet-{id}"), "-f"])
        .arg(known_hosts(&project))
        .output()
        .unwrap();
    assert!(
        found.status.success(),
        "app-2's key is filed under its droplet id"
    );
    run(&project, &["exec", "--all", "--", "true"]).success();
    assert_eq!(
        std::fs::read_to_string(known_hosts(&project)).unwrap(),
        pinned
    );

    // The same as a static file, read by Ansible's own file plugin.
    let out = run(&project, &["inventory", "--static"]).success();
    let file = project.path().join("inventory.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let file = file.display().to_string();
    let out = ansible(&project, "ansible-inventory", &["-i", &file, "--list"]);
    let listed: Value = serde_json::from_slice(&out.stdout).expect("ansible-inventory's JSON");
    assert_eq!(
        listed["app"]["hosts"],
        serde_json::json!(["app-1", "app-2", "app-3"])
    );
    assert_eq!(
        listed["_meta"]["hostvars"]["app-2"],
        inv["_meta"]["hostvars"]["app-2"]
    );
    let out = ansible(&project, "ansible", &["db", "-i", &file, "-m", "ping"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(text.matches("| SUCCESS").count(), 1, "{text}");

    // The script protocol's --host: one host's variables; unknown hosts get {}.
    let out = run(&project, &["inventory", "--host", "db-1"]).success();
    let vars: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(vars["stagecraft_role"], "db");
    let out = run(&project, &["inventory", "--host", "nope"]).success();
    assert_eq!(out.stdout.trim(), "{}");
}

fn ssh_g(config: &std::path::Path, host: &str) -> String {
    let out = Command::new("ssh")
        .args(["-G", "-F"])
        .arg(config)
        .arg(host)
        .output()
        .expect("ssh -G");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn the_ssh_config_reaches_hosts_with_the_pinned_key() {
    let (mut sshd, _api, project) = setup("the_ssh_config_reaches_hosts_with_the_pinned_key");
    let out = run(&project, &["inventory", "--format", "ssh-config"]).success();
    let file = project.path().join("ssh_config");
    std::fs::write(&file, &out.stdout).unwrap();
    let kh = known_hosts(&project);
    for alias in ["app-1", "staging-app-1"] {
        let g = ssh_g(&file, alias);
        for line in [
            "hostname 127.0.0.1".to_string(),
            format!("port {}", sshd.port),
            format!("user {}", sshd.user),
            format!("identityfile {}", sshd.identity_file.display()),
            format!("userknownhostsfile {}", kh.display()),
            "stricthostkeychecking accept-new".to_string(),
            "checkhostip no".to_string(),
        ] {
            assert!(g.lines().any(|l| l == line), "{alias}: no `{line}` in\n{g}");
        }
        assert!(g.contains("hostkeyalias stagecraft-droplet-"), "{g}");
    }

    // A real login with it pins the key where exec finds it, and exec then trusts that key.
    let login = |host: &str| {
        Command::new("ssh")
            .arg("-F")
            .arg(&file)
            .args(["-o", "BatchMode=yes", host, "echo", "via-config"])
            .stdin(Stdio::null())
            .output()
            .expect("ssh -F")
    };
    let out = login("app-1");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "via-config\n",
        "{out:?}"
    );
    assert!(kh.is_file());
    run(&project, &["exec", "app-1", "--", "true"]).success();

    // Another host key now: the ssh_config refuses it, as exec does.
    project.close_masters();
    sshd.stop();
    sshd.new_host_key();
    sshd.start();
    let out = login("app-1");
    assert_eq!(out.status.code(), Some(255));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{out:?}"
    );
    run(&project, &["exec", "app-1", "--", "true"]).code(255);
}

fn json_and_hosts_formats_and_private_addresses() {
    let (_sshd, api, project) = setup("json_and_hosts_formats_and_private_addresses");
    let out = run(&project, &["inventory", "--format", "json"]).success();
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], 1);
    assert_eq!(doc["env"], "staging");
    assert_eq!(doc["address"], "public");
    assert_eq!(doc["hosts"].as_array().unwrap().len(), 4);
    assert_eq!(doc["hosts"][0]["name"], "app-1");
    assert_eq!(doc["hosts"][0]["ssh"]["port"], project_port(&project));
    assert_eq!(doc["missing"], serde_json::json!([]));
    let same = run(&project, &["--json", "inventory"]).success();
    assert_eq!(same.stdout, out.stdout, "--json is the json format");

    let out = run(&project, &["inventory", "--format", "hosts"]).success();
    assert!(
        out.stdout.contains("127.0.0.1\tapp-1 staging-app-1\n"),
        "{}",
        out.stdout
    );

    let out = run(&project, &["inventory", "--format", "hosts", "--private"]).success();
    let private: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("10."))
        .collect();
    assert_eq!(private.len(), 4, "{}", out.stdout);

    // A host without a droplet is left out, with a note on stderr; the rest is still listed.
    let gone = api.delete(&format!("/v2/droplets/{}", droplet_id(&doc, "db-1")));
    assert_eq!(gone.status, 204);
    let out = run(&project, &["inventory", "--format", "hosts"]).success();
    assert!(!out.stdout.contains("db-1"), "{}", out.stdout);
    out.assert_stderr_has("1 host of env `staging` left out of the inventory");
    out.assert_stderr_has("db-1: no managed droplet `staging-db-1` exists");

    let out = run(&project, &["inventory", "--format", "hosts", "--list"]).code(1);
    out.assert_stderr_has("--list, --host and --static are Ansible's");
}

fn project_port(project: &ExecProject) -> u64 {
    let yaml = std::fs::read_to_string(project.config_path()).unwrap();
    yaml.lines()
        .find_map(|l| l.trim().strip_prefix("port: "))
        .and_then(|p| p.parse().ok())
        .expect("a port in the config")
}

fn droplet_id(doc: &Value, host: &str) -> u64 {
    doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == host)
        .and_then(|h| h["droplet_id"].as_u64())
        .expect("host in the inventory")
}
