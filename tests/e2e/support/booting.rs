//! A droplet that is still booting, played by the test sshd: every login goes through a wrapper
//! (`ForceCommand`) that can answer with DigitalOcean's Marketplace banner instead of running anything,
//! and a `cloud-init` stand-in on the login's PATH whose state the test sets.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::sshd::TestSshd;

/// The line Marketplace images print, instead of a shell, until their first boot finishes.
pub const BANNER: &str = "Please wait while we get your droplet ready...";

/// The state the `cloud-init` stand-in reports.
#[derive(Debug, Clone, Copy)]
pub enum CloudInit {
    /// `status --wait` blocks; `status` says running.
    Running,
    /// Done: exit 0.
    Done,
    /// A critical error: exit 1, with details in `status --long`.
    Error,
    /// Recoverable errors (cloud-init 23.4+): exit 2.
    Degraded,
    /// `status --wait` takes this long from each call, then done (the benchmark's boot).
    DoneAfter(Duration),
}

/// The files the wrapper and stand-in read and write.
pub struct Booting {
    dir: PathBuf,
}

impl Booting {
    /// Installs the wrapper and the stand-in into `sshd` (before it starts); the banner is off and
    /// cloud-init done until the test says otherwise.
    pub fn install(sshd: &TestSshd) -> Booting {
        let dir = sshd.path().join("booting");
        std::fs::create_dir_all(dir.join("bin")).expect("booting dir");
        let d = dir.display();
        let login = format!(
            r#"#!/bin/sh
echo x >> {d}/logins
if [ -e {d}/banner ]; then echo "{BANNER}"; exit 0; fi
PATH={d}/bin:$PATH; export PATH
exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"
"#
        );
        let cloud_init = format!(
            r#"#!/bin/sh
case "$*" in
  *--long*) echo "status: error"; echo "errors:"; echo "  - stand-in: package install failed"; exit 1;;
esac
echo x >> {d}/cloud-init-calls
state=$(cat {d}/cloud-init)
case "$state" in
  after:*)
    case "$*" in *--wait*) sleep "${{state#after:}}"; echo "status: done"; exit 0;; esac
    echo "status: running"; exit 0;;
esac
case "$*" in
  *--wait*) while [ "$(cat {d}/cloud-init)" = running ]; do sleep 0.05; done;;
esac
case "$(cat {d}/cloud-init)" in
  running) echo "status: running"; exit 0;;
  done) echo "status: done"; exit 0;;
  error) echo "status: error"; exit 1;;
  degraded) echo "status: degraded done"; exit 2;;
esac
"#
        );
        write_script(&dir.join("login"), &login);
        write_script(&dir.join("bin/cloud-init"), &cloud_init);
        sshd.append_config(&format!("ForceCommand {d}/login\n"));
        let booting = Booting { dir };
        booting.cloud_init(CloudInit::Done);
        booting
    }

    pub fn banner(&self, on: bool) {
        let path = self.dir.join("banner");
        if on {
            std::fs::write(path, "").expect("banner");
        } else {
            let _ = std::fs::remove_file(path);
        }
    }

    pub fn cloud_init(&self, state: CloudInit) {
        let text = match state {
            CloudInit::Running => "running".to_string(),
            CloudInit::Done => "done".into(),
            CloudInit::Error => "error".into(),
            CloudInit::Degraded => "degraded".into(),
            CloudInit::DoneAfter(d) => format!("after:{}", d.as_secs_f64()),
        };
        // Written whole and renamed, so the stand-in never reads half a state.
        let tmp = self.dir.join("cloud-init.tmp");
        std::fs::write(&tmp, text).expect("cloud-init state");
        std::fs::rename(tmp, self.dir.join("cloud-init")).expect("cloud-init state");
    }

    /// Logins so far (each probe is one).
    pub fn logins(&self) -> usize {
        count_lines(&self.dir.join("logins"))
    }

    pub fn cloud_init_calls(&self) -> usize {
        count_lines(&self.dir.join("cloud-init-calls"))
    }

    /// Waits (up to 60 s of real time, for a slow machine) until `what` holds: the test reacts to what the
    /// probe did instead of guessing with sleeps.
    pub fn until(&self, why: &str, what: impl Fn(&Booting) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !what(self) {
            assert!(Instant::now() < deadline, "gave up waiting until {why}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn count_lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

fn write_script(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}
