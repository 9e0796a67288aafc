//! `exec --container NAME`: the command runs inside a Docker container on the host, through a small remote
//! wrapper that first makes sure docker and the container are there, so that their absence is told apart
//! from the command's own failure.

use super::quote;

/// Starts the wrapper's own complaint on stderr; the relay holds such a line back (see `relay.rs`).
pub const MARKER: &str = "stagecraft-container-error: ";
/// The exit status of the wrapper when it complains, as docker uses for its own failures.
pub const FAILED: i32 = 125;

/// Why the container could not be reached on a host.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    #[error(
        "`{0}` is not a container name or id (letters, digits, `_`, `.`, `-`, not starting with `-`)"
    )]
    BadName(String),
}

/// Docker's rule for names (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`); ids are hex, so they pass too. Checked here
/// because a name starting with `-` would be read by docker as an option.
pub fn check_name(name: &str) -> Result<(), ContainerError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
        Ok(())
    } else {
        Err(ContainerError::BadName(name.to_string()))
    }
}

// $1 is the container, the rest the command. `docker inspect` answers "true" only for a running container
// of that name; anything else is explained on one marked line and the wrapper stops before `docker exec`.
const WRAPPER: &str = r#"m='stagecraft-container-error: '
command -v docker >/dev/null 2>&1 || { echo "${m}no-docker" >&2; exit 125; }
s=$(docker inspect --type container --format '{{.State.Running}}' -- "$1" 2>&1) || { echo "${m}no-container $(echo "$s" | head -n 1)" >&2; exit 125; }
[ "$s" = true ] || { echo "${m}not-running" >&2; exit 125; }
c=$1; shift
exec docker exec OPTS"$c" "$@""#;

/// The remote command line: `sh -c WRAPPER` with the container and the command's words as arguments,
/// every word quoted as for a plain `exec`, so they reach `docker exec` exactly as typed. `-i` passes
/// stdin on when there is one to pass (a single host).
pub fn command_line(container: &str, command: &[String], stdin: bool) -> String {
    let script = WRAPPER.replace("OPTS", if stdin { "-i " } else { "" });
    let mut words = vec![
        "sh".to_string(),
        "-c".to_string(),
        script,
        "stagecraft-container".to_string(),
        container.to_string(),
    ];
    words.extend(command.iter().cloned());
    quote::command_line(&words)
}

/// The wrapper's complaint (the text after the marker) in words, naming the host (the message stands alone
/// for one host and in a fan-out's summary).
pub fn explain(host: &str, container: &str, complaint: &str) -> String {
    let (kind, detail) = complaint.split_once(' ').unwrap_or((complaint, ""));
    match kind {
        "no-docker" => format!(
            "docker is not installed on {host} (or not on the remote user's PATH), so container `{container}` cannot be reached"
        ),
        "no-container" => {
            let said = if detail.is_empty() {
                String::new()
            } else {
                format!(" (docker: {detail})")
            };
            format!("no container `{container}` on {host}{said}")
        }
        "not-running" => format!("container `{container}` on {host} exists but is not running"),
        other => format!("container `{container}` on {host}: {other} {detail}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_docker_would_read_as_options_are_refused() {
        for ok in ["web", "web_1", "a.b-c", "3f2a9c"] {
            assert_eq!(check_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "-it", "a b", "x;y", "ä"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    /// The wrapper runs under a local `sh` with a stand-in `docker` that prints its argv: the words arrive intact.
    #[test]
    fn words_reach_docker_exec_intact() {
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("docker");
        std::fs::write(
            &docker,
            "#!/bin/sh\nif [ \"$1\" = inspect ]; then echo true; exit 0; fi\nprintf '[%s]' \"$@\"\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        let words: Vec<String> = ["printf", "%s", "a b", "$HOME", "it's", "", "*"]
            .map(String::from)
            .into();
        let line = command_line("web", &words, true);
        let Ok(out) = std::process::Command::new("sh")
            .arg("-c")
            .arg(&line)
            .env("PATH", format!("{}:/usr/bin:/bin", dir.path().display()))
            .output()
        else {
            return; // no sh here: the e2e test covers it
        };
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "[exec][-i][web][printf][%s][a b][$HOME][it's][][*]"
        );
    }

    #[test]
    fn complaints_are_explained_with_the_host() {
        assert!(
            explain("app-1", "web", "no-docker").starts_with("docker is not installed on app-1")
        );
        assert_eq!(
            explain("app-1", "web", "no-container Error: No such object: web"),
            "no container `web` on app-1 (docker: Error: No such object: web)"
        );
        assert_eq!(
            explain("app-1", "web", "not-running"),
            "container `web` on app-1 exists but is not running"
        );
    }
}
