//! The readiness probe's words: the one remote command it runs, and what its output and exit mean. A host
//! is ready only when a line carrying this run's nonce comes back: a login banner, a forced logout or a
//! half-booted shell never prints it.

/// A fresh nonce per probe run, so no earlier output (or a banner quoting one) can pass for it.
pub fn nonce() -> String {
    use std::io::Read;
    let mut bytes = [0u8; 8];
    let random = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if random.is_err() {
        // Unique enough for a marker: it only has to differ from what a banner could contain.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        bytes = (t.as_nanos() as u64 ^ u64::from(std::process::id())).to_le_bytes();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The line that proves a command ran.
pub fn ready_line(nonce: &str) -> String {
    format!("stagecraft-ready-{nonce}")
}

fn cloud_init_marker(nonce: &str) -> String {
    format!("stagecraft-cloud-init-{nonce}")
}

/// How much of `cloud-init status --long` a failed boot is reported with.
const LONG_TAIL: usize = 15;

/// The remote command (one line, for the login shell's `-c`). With `cloud_init`, it waits for cloud-init
/// (`wait`) or only asks how it is doing (`status`), and reports its exit status after a marker; a
/// failure (exit 1) is followed by the tail of `status --long`.
pub fn command(nonce: &str, cloud_init: Option<CloudInitCall>) -> String {
    let ready = format!("echo {}", ready_line(nonce));
    let Some(call) = cloud_init else {
        return ready;
    };
    let marker = cloud_init_marker(nonce);
    let wait = match call {
        CloudInitCall::Wait => " --wait",
        CloudInitCall::Status => "",
    };
    // The exit status, then the last line cloud-init printed (`status: done`; `--wait` prints dots first).
    format!(
        "{ready}; if command -v cloud-init >/dev/null 2>&1; then s=$(cloud-init status{wait} 2>/dev/null); rc=$?; \
         echo \"{marker} $rc $(printf '%s' \"$s\" | tail -n 1)\"; \
         if [ \"$rc\" = 1 ]; then cloud-init status --long 2>&1 | tail -n {LONG_TAIL}; fi; \
         else echo \"{marker} none\"; fi"
    )
}

/// How the probe asks cloud-init.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudInitCall {
    /// Block until it is done (apply).
    Wait,
    /// Ask once (status).
    Status,
}

/// What one probe run shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A command ran and, where asked, cloud-init is done (or not installed).
    Ready,
    /// No nonce line: a banner, a forced logout or a shell not ready yet. Carries the first line seen.
    NoShell { said: Option<String> },
    /// The shell works and cloud-init is still running (a `Status` probe), or its wait was cut short
    /// (exit 129 early in boot, or the connection dropped): worth another try.
    CloudInitRunning { exit: Option<i32> },
    /// cloud-init failed (exit 1): the boot is broken, with the tail of `status --long`.
    CloudInitFailed { detail: String },
}

/// Reads a probe's standard output.
pub fn read(stdout: &str, nonce: &str, cloud_init: bool) -> Reading {
    let ready = ready_line(nonce);
    let mut lines = stdout.lines().map(str::trim_end);
    let first = stdout.lines().map(str::trim).find(|l| !l.is_empty());
    if !lines.any(|l| l == ready) {
        return Reading::NoShell {
            said: first.map(|l| l.chars().take(120).collect()),
        };
    }
    if !cloud_init {
        return Reading::Ready;
    }
    let marker = cloud_init_marker(nonce);
    let Some(status) = lines.find_map(|l| l.strip_prefix(&marker).map(str::trim)) else {
        return Reading::CloudInitRunning { exit: None };
    };
    let rest: Vec<&str> = lines.collect();
    let (code, said) = status.split_once(' ').unwrap_or((status, ""));
    // Asked without `--wait`, a running cloud-init answers exit 0 on older releases: its words tell.
    let running = ["running", "not started", "not run"]
        .iter()
        .any(|w| said.contains(w));
    match code {
        "none" => Reading::Ready,
        // 1: a critical error. 2 (cloud-init 23.4+) is recoverable and some distributions turn it into 0:
        // the boot finished either way. 129: asked too early in boot.
        "1" => Reading::CloudInitFailed {
            detail: rest.join("\n").trim().to_string(),
        },
        "129" => Reading::CloudInitRunning { exit: Some(129) },
        _ if running => Reading::CloudInitRunning { exit: None },
        code => match code.parse::<i32>() {
            Ok(_) => Reading::Ready,
            Err(_) => Reading::CloudInitRunning { exit: None },
        },
    }
}

/// What ssh's own failure (exit 255) was, from its stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SshFailure {
    /// Refused, timed out, reset, unreachable: sshd is not up yet; retried until the timeout.
    NotListening,
    /// The key was refused. Early in boot the key may not be installed yet, so a few tries; then it fails.
    AuthRefused,
    /// The host key differs from the one on file for this droplet: never retried.
    HostKeyChanged,
    /// Anything else ssh complains about; retried like a connection problem.
    Other,
}

pub fn ssh_failure(stderr: &str) -> SshFailure {
    if stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || stderr.contains("Host key verification failed")
    {
        SshFailure::HostKeyChanged
    } else if stderr.contains("Permission denied") || stderr.contains("Too many authentication") {
        SshFailure::AuthRefused
    } else if [
        "Connection refused",
        "Connection timed out",
        "timed out",
        "No route to host",
        "Connection reset",
        "Connection closed",
        "closed by remote host",
        "Network is unreachable",
    ]
    .iter()
    .any(|s| stderr.contains(s))
    {
        SshFailure::NotListening
    } else {
        SshFailure::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const N: &str = "0a1b2c3d";

    #[test]
    fn the_command_prints_the_nonce_and_asks_cloud_init() {
        assert_eq!(command(N, None), "echo stagecraft-ready-0a1b2c3d");
        let wait = command(N, Some(CloudInitCall::Wait));
        assert!(
            wait.starts_with("echo stagecraft-ready-0a1b2c3d; "),
            "{wait}"
        );
        assert!(wait.contains("cloud-init status --wait"), "{wait}");
        assert!(wait.contains("tail -n 15"), "{wait}");
        let once = command(N, Some(CloudInitCall::Status));
        assert!(!once.contains("--wait"), "{once}");
        assert_ne!(nonce(), nonce());
        assert_eq!(nonce().len(), 16);
    }

    #[test]
    fn readings() {
        let banner = "Please wait while we get your droplet ready...\n";
        let ok = "stagecraft-ready-0a1b2c3d\n";
        let ci = |rest: &str| format!("{ok}stagecraft-cloud-init-0a1b2c3d {rest}\n");
        let running = ci("0 status: running");
        let cases: Vec<(String, bool, Reading)> = vec![
            (ok.into(), false, Reading::Ready),
            (
                banner.into(),
                false,
                Reading::NoShell {
                    said: Some("Please wait while we get your droplet ready...".into()),
                },
            ),
            ("".into(), true, Reading::NoShell { said: None }),
            // A banner that quotes another run's nonce is not this run's.
            (
                "stagecraft-ready-ffffffff\n".into(),
                false,
                Reading::NoShell {
                    said: Some("stagecraft-ready-ffffffff".into()),
                },
            ),
            (ok.into(), true, Reading::CloudInitRunning { exit: None }),
            (ci("0"), true, Reading::Ready),
            (ci("0 status: done"), true, Reading::Ready),
            (ci("2 status: degraded done"), true, Reading::Ready),
            (running, true, Reading::CloudInitRunning { exit: None }),
            (
                ci("3 status: not started"),
                true,
                Reading::CloudInitRunning { exit: None },
            ),
            (ci("2"), true, Reading::Ready),
            (ci("none"), true, Reading::Ready),
            (
                ci("129"),
                true,
                Reading::CloudInitRunning { exit: Some(129) },
            ),
            (
                format!("{}status: error\nerrors:\n  - boom", ci("1 status: error")),
                true,
                Reading::CloudInitFailed {
                    detail: "status: error\nerrors:\n  - boom".into(),
                },
            ),
            (format!("motd line\n{}", ci("0")), true, Reading::Ready),
        ];
        for (stdout, cloud_init, want) in cases {
            assert_eq!(read(&stdout, N, cloud_init), want, "{stdout:?}");
        }
    }

    #[test]
    fn ssh_failures() {
        for (stderr, want) in [
            (
                "ssh: connect to host 10.0.0.1 port 22: Connection refused",
                SshFailure::NotListening,
            ),
            (
                "ssh: connect to host 10.0.0.1 port 22: Connection timed out",
                SshFailure::NotListening,
            ),
            (
                "kex_exchange_identification: read: Connection reset by peer",
                SshFailure::NotListening,
            ),
            (
                "root@10.0.0.1: Permission denied (publickey).",
                SshFailure::AuthRefused,
            ),
            (
                "@@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@\nHost key verification failed.",
                SshFailure::HostKeyChanged,
            ),
            ("something else", SshFailure::Other),
        ] {
            assert_eq!(ssh_failure(stderr), want, "{stderr}");
        }
    }
}
