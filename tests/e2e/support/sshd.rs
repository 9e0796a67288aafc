//! A real OpenSSH server on 127.0.0.1 for the `exec` tests: throwaway keys and config, run as the current user.
//!
//! Without `sshd` on the machine the tests that need it are reported as ignored, with the reason; with
//! `STAGECRAFT_REQUIRE_SSHD=1` (set by CI after `scripts/ci-sshd`) a missing `sshd` fails them instead.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The variable CI sets so that a missing sshd is a failure, not a skip.
pub const REQUIRE_VAR: &str = "STAGECRAFT_REQUIRE_SSHD";

/// One test sshd: its files live in a temp dir; it is killed on drop.
pub struct TestSshd {
    dir: tempfile::TempDir,
    sshd: PathBuf,
    ssh_keygen: PathBuf,
    pub port: u16,
    /// The user to log in as: whoever runs the tests (sshd without root can only serve its own user).
    pub user: String,
    /// The private key whose public half is authorized.
    pub identity_file: PathBuf,
    child: Option<Child>,
}

fn find(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

fn current_user() -> String {
    let out = Command::new("id").arg("-un").output().expect("run id -un");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

impl TestSshd {
    /// Keys and config on a free port, not started yet; the test is ignored when this machine has no sshd
    /// and CI did not require one.
    pub fn prepare(test: &str) -> TestSshd {
        let (Some(sshd), Some(ssh_keygen), Some(_ssh)) =
            (find("sshd"), find("ssh-keygen"), find("ssh"))
        else {
            let reason = "OpenSSH (sshd, ssh-keygen, ssh) is not installed; run scripts/ci-sshd";
            if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
                panic!("{test}: {reason} ({REQUIRE_VAR}=1 makes this a failure)");
            }
            super::harness::skip(format!("needs sshd: {reason}"));
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let sshd = TestSshd {
            identity_file: dir.path().join("id_ed25519"),
            dir,
            sshd,
            ssh_keygen,
            port: free_port(),
            user: current_user(),
            child: None,
        };
        sshd.keygen(&sshd.identity_file.clone());
        std::fs::copy(
            sshd.identity_file.with_extension("pub"),
            sshd.path().join("authorized_keys"),
        )
        .expect("authorized_keys");
        sshd.new_host_key();
        sshd.write_config();
        sshd
    }

    /// Prepared and started.
    pub fn start_new(test: &str) -> TestSshd {
        let mut sshd = Self::prepare(test);
        sshd.start();
        sshd
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn keygen(&self, file: &Path) {
        let _ = std::fs::remove_file(file);
        let _ = std::fs::remove_file(file.with_extension("pub"));
        let status = Command::new(&self.ssh_keygen)
            .args([
                "-q",
                "-t",
                "ed25519",
                "-N",
                "",
                "-C",
                "stagecraft-test",
                "-f",
            ])
            .arg(file)
            .status()
            .expect("run ssh-keygen");
        assert!(status.success(), "ssh-keygen failed");
    }

    /// A fresh host key: after a restart the server is, to a client, a different machine.
    pub fn new_host_key(&self) {
        self.keygen(&self.path().join("host_ed25519"));
    }

    fn write_config(&self) {
        let dir = self.path().display();
        let config = format!(
            "ListenAddress 127.0.0.1
Port {port}
HostKey {dir}/host_ed25519
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
# Loopback-only, key-only: root may log in with the throwaway key (CI runs as root).
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
# The temp dir's modes are not sshd's business in a test.
StrictModes no
# The fan-out opens many connections at once; the default 10:30:100 would drop some.
MaxStartups 500
MaxSessions 100
PrintMotd no
LogLevel ERROR
# bash sources ~/.bashrc for every command sshd starts; a clean home, as on a fresh droplet, keeps the
# test user's own shell setup (and anything it prints) out of the tests.
SetEnv HOME={dir}/home
",
            port = self.port
        );
        std::fs::create_dir_all(self.path().join("home")).expect("home");
        std::fs::write(self.path().join("sshd_config"), config).expect("sshd_config");
    }

    /// More `sshd_config` lines (before `start`).
    pub fn append_config(&self, lines: &str) {
        let path = self.path().join("sshd_config");
        let mut config = std::fs::read_to_string(&path).expect("sshd_config");
        config.push_str(lines);
        std::fs::write(path, config).expect("sshd_config");
    }

    /// Starts sshd and waits until its port accepts connections.
    pub fn start(&mut self) {
        assert!(self.child.is_none(), "sshd already running");
        // As root, sshd insists on its privilege separation directory, which a container may lack.
        if self.user == "root" {
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let log = std::fs::File::create(self.path().join("sshd.log")).expect("sshd.log");
        let child = Command::new(&self.sshd)
            .arg("-D")
            .arg("-e")
            .arg("-f")
            .arg(self.path().join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn sshd");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("sshd exited ({status}) before listening:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd did not listen within 15s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// What sshd logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path().join("sshd.log")).unwrap_or_default()
    }

    /// The `ssh` options that reach this server directly, for comparisons against plain ssh.
    pub fn ssh_args(&self) -> Vec<String> {
        vec![
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "StrictHostKeyChecking=no".into(),
            "-o".into(),
            "UserKnownHostsFile=/dev/null".into(),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "-i".into(),
            self.identity_file.display().to_string(),
            "-p".into(),
            self.port.to_string(),
            "-l".into(),
            self.user.clone(),
            "127.0.0.1".into(),
        ]
    }

    /// The `ssh:` block of a stagecraft config that points every host at this server.
    pub fn config_block(&self) -> String {
        format!(
            "      ssh:\n        user: {}\n        port: {}\n        identity_file: {}\n",
            self.user,
            self.port,
            self.identity_file.display()
        )
    }
}

impl Drop for TestSshd {
    fn drop(&mut self) {
        self.stop();
    }
}
