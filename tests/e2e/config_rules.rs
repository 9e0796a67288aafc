//! Config rules, table-driven and in this process: each bad input is refused with its message at its
//! file:line:column, and the unchanged base config beside it passes, so a rule that refused everything
//! would fail here too.

use stagecraft::config::{Config, ConfigError, EnvVars};

use crate::case;
use crate::support::config_with_hosts;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(each_broken_rule_is_reported_at_its_line_and_column),
        case!(the_environment_is_chosen_or_refused_with_a_suggestion),
        case!(only_a_readable_regular_utf8_file_is_read),
        case!(a_bad_env_file_line_is_located_without_showing_its_value),
        case!(host_settings_come_from_the_host_then_the_provider_then_defaults),
    ]
}

const API: &str = "http://127.0.0.1:9";

/// The base config with `host_lines` as the hosts of `staging` and `edit` applied to the text.
fn config(host_lines: &str, edit: impl Fn(String) -> String) -> String {
    edit(config_with_hosts(API, host_lines))
}

/// The one-host base config with `from` replaced by `to`.
fn replaced(from: &str, to: &str) -> String {
    config("          app-1: {}\n", |s| s.replace(from, to))
}

/// The one-host base config after a first line `line`.
fn prefixed(line: &str) -> String {
    config("          app-1: {}\n", |s| format!("{line}\n{s}"))
}

fn parse(yaml: &str) -> Result<Config, ConfigError> {
    Config::parse(std::path::Path::new("/p/stagecraft.yml"), yaml)
}

fn each_broken_rule_is_reported_at_its_line_and_column() {
    let one_host = "          app-1: {}\n";
    assert!(
        parse(&config(one_host, |s| s)).is_ok(),
        "the base config is valid"
    );
    // (what is wrong, the config, `line:col: message` expected in the error)
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "an environment missing from hosts as default_env",
            prefixed("default_env: prod"),
            "1:14: default_env `prod` is not one of the environments under `hosts` (staging)",
        ),
        (
            "an environment name no droplet name can carry",
            replaced("        staging:", "        \"stag ing\":"),
            "13:9: environment name `stag ing` must be letters, digits and `-`",
        ),
        (
            "inline user data and a user data file at once",
            config(
                "          app-1: { user_data: \"#!/bin/sh\", user_data_file: init.sh }\n",
                |s| s,
            ),
            "14:60: set either `user_data` or `user_data_file`, not both",
        ),
        (
            "a YAML alias",
            config("          app-1: &a {}\n          app-2: *a\n", |s| s),
            "15:18: YAML aliases are not supported here; write the value out",
        ),
        (
            "a key given twice",
            replaced(
                "      default_region: nyc1\n",
                "      default_region: nyc1\n      default_region: sfo3\n",
            ),
            "9:7: duplicate key `default_region`",
        ),
        (
            "a key that is not a string",
            prefixed("[a, b]: 1"),
            "1:1: keys must be plain strings",
        ),
        (
            "an unknown key far from every known one",
            prefixed("zzzzqqqq: 1"),
            "1:1: unknown key `zzzzqqqq` at the top level; expected one of:",
        ),
        (
            "no SSH key of either kind",
            replaced("      ssh_key_name: my-ssh-key\n", ""),
            "missing required key `ssh_key_name` (or `ssh_keys`) in `cloud.providers.digitalocean`",
        ),
        (
            "no cloud block at all",
            "name: x\n".to_string(),
            "missing required key `cloud` at the top level",
        ),
        (
            "an empty ssh_key_name",
            replaced("ssh_key_name: my-ssh-key", "ssh_key_name: \"\""),
            "ssh_key_name is empty; name an SSH key that exists in the account",
        ),
        (
            "no size anywhere",
            replaced("      default_size: s-1vcpu-1gb\n", ""),
            "13:18: host `app-1` has no `size` and the provider has no `default_size`",
        ),
        (
            "no region anywhere",
            replaced("      default_region: nyc1\n", ""),
            "13:18: host `app-1` has no `region` and the provider has no `default_region`",
        ),
        (
            "inline user data above the API's 64 KiB",
            config(
                &format!(
                    "          app-1: {{ user_data: \"{}\" }}\n",
                    "x".repeat(65 * 1024)
                ),
                |s| s,
            ),
            "user data is 66560 bytes; DigitalOcean accepts at most 64 KiB",
        ),
        (
            "the provider's user_data_file missing",
            replaced(
                "      hosts:\n",
                "      user_data_file: absent.sh\n      hosts:\n",
            ),
            "12:23: cannot read user_data_file /p/absent.sh: No such file or directory",
        ),
        (
            "a count group that expands onto a named host",
            config("          app: { count: 2 }\n          app-2: {}\n", |s| s),
            "host `app-2` is defined twice in `staging` (a `count` group expands to it too)",
        ),
    ];
    let mut wrong = Vec::new();
    for (what, yaml, expected) in cases {
        match parse(&yaml) {
            Ok(_) => wrong.push(format!("{what}: accepted")),
            Err(e) if !e.to_string().contains(expected) => {
                wrong.push(format!("{what}: expected {expected:?} in:\n{e}"))
            }
            Err(_) => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

fn the_environment_is_chosen_or_refused_with_a_suggestion() {
    let two_envs = config(
        "          app-1: {}\n        production:\n          web-1: {}\n",
        |s| s,
    );
    let config = parse(&two_envs).unwrap();
    assert_eq!(config.select_env(Some("production")).unwrap(), "production");
    let typo = config
        .select_env(Some("prodution"))
        .unwrap_err()
        .to_string();
    assert!(
        typo.contains("environment `prodution` is not defined"),
        "{typo}"
    );
    assert!(typo.contains("Did you mean `production`?"), "{typo}");
    assert!(typo.contains("(it defines: production, staging)"), "{typo}");
    let none = config.select_env(None).unwrap_err().to_string();
    assert!(
        none.contains("defines several environments (production, staging)"),
        "{none}"
    );

    let with_default = parse(&format!("default_env: production\n{two_envs}")).unwrap();
    assert_eq!(with_default.select_env(None).unwrap(), "production");
    // --env wins over default_env.
    assert_eq!(with_default.select_env(Some("staging")).unwrap(), "staging");
}

fn only_a_readable_regular_utf8_file_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let load = |name: &str, contents: Option<&[u8]>| {
        let path = dir.path().join(name);
        if let Some(bytes) = contents {
            std::fs::write(&path, bytes).unwrap();
        }
        Config::load(&path).map(|_| ()).map_err(|e| e.to_string())
    };
    let good = config("          app-1: {}\n", |s| s);
    assert_eq!(load("good.yml", Some(good.as_bytes())), Ok(()));
    let cases: [(&str, Option<&[u8]>, &str); 4] = [
        (
            "empty.yml",
            Some(b"" as &[u8]),
            "1:1: the file is empty; see examples/stagecraft.yml",
        ),
        (
            "latin1.yml",
            Some(b"name: caf\xe9\n"),
            "it is not UTF-8 text",
        ),
        ("missing.yml", None, "cannot read config file"),
        (
            "comments.yml",
            Some(b"# nothing but a comment\n"),
            "the file is empty",
        ),
    ];
    for (name, contents, expected) in cases {
        let error = load(name, contents).unwrap_err();
        assert!(
            error.contains(expected),
            "{name}: expected {expected:?} in {error}"
        );
    }
    let as_dir = Config::load(dir.path()).unwrap_err().to_string();
    assert!(as_dir.contains("it is a directory"), "{as_dir}");
    let device = Config::load(std::path::Path::new("/dev/null"))
        .unwrap_err()
        .to_string();
    assert!(
        device.contains("not a regular file (a device, pipe or socket)"),
        "{device}"
    );
}

fn a_bad_env_file_line_is_located_without_showing_its_value() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".env");
    let secret = crate::support::CANARY;
    std::fs::write(
        &file,
        format!("REGION=nyc1\nexport DO_TOKEN=\"{secret}\nNEXT=1\n"),
    )
    .unwrap();
    let error = EnvVars::from_pairs([]).load_dotenv(&file).unwrap_err();
    assert!(
        error.contains(".env:2: cannot parse this line (setting `DO_TOKEN`)"),
        "{error}"
    );
    assert!(!error.contains("canarycanary"), "the value leaked: {error}");

    // A good file fills in what the real environment lacks, and never overrides it.
    std::fs::write(&file, "DO_TOKEN=from-file\nREGION=nyc1\nEMPTY=\n").unwrap();
    let mut env = EnvVars::from_pairs([("DO_TOKEN", "real"), ("EMPTY", "")]);
    env.load_dotenv(&file).unwrap();
    assert_eq!(env.get("DO_TOKEN"), Some("real"));
    assert_eq!(env.get("REGION"), Some("nyc1"));
    assert_eq!(env.get("EMPTY"), None, "an empty value counts as unset");
    // No file at all is no error.
    EnvVars::from_pairs([])
        .load_dotenv(&dir.path().join("absent.env"))
        .unwrap();
}

fn host_settings_come_from_the_host_then_the_provider_then_defaults() {
    let yaml = config(
        "          app-1: {}\n          web: { size: s-2vcpu-2gb, region: sfo3, user_data: \"#!/bin/sh\\n\", ssh: { port: 2222, identity_file: keys/web } }\n",
        |s| {
            s.replace(
                "      hosts:\n",
                "      ssh: { user: deploy, identity_file: \"~/.ssh/stage\" }\n      hosts:\n",
            )
        },
    );
    let config = parse(&yaml).unwrap();
    let hosts = config.desired_hosts("staging");
    let names: Vec<&str> = hosts.iter().map(|h| h.droplet_name.as_str()).collect();
    assert_eq!(names, ["staging-app-1", "staging-web"]);
    let (app, web) = (&hosts[0], &hosts[1]);
    // `app-1` plays role `app`; a name without a number is its own role.
    assert_eq!((app.role.as_str(), web.role.as_str()), ("app", "web"));
    assert_eq!(
        (app.size.as_str(), app.region.as_str()),
        ("s-1vcpu-1gb", "nyc1")
    );
    assert_eq!(
        (web.size.as_str(), web.region.as_str()),
        ("s-2vcpu-2gb", "sfo3")
    );
    let home = std::path::PathBuf::from(std::env::var_os("HOME").unwrap());
    assert_eq!((app.ssh.user.as_str(), app.ssh.port), ("deploy", 22));
    assert_eq!(app.ssh.identity_file, Some(home.join(".ssh/stage")));
    assert_eq!((web.ssh.user.as_str(), web.ssh.port), ("deploy", 2222));
    assert_eq!(
        web.ssh.identity_file,
        Some(std::path::PathBuf::from("/p/keys/web"))
    );
    // User data is shown by size and hash, never by its text.
    assert_eq!(app.user_data_summary(), None);
    assert_eq!(
        web.user_data_summary().as_deref(),
        Some("10 bytes, sha256 a8076d3d")
    );
}
