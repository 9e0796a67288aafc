//! Benchmarks of `plan` and `apply` against the sandbox, each beside a baseline.
//!
//! `cargo bench --bench stagecraft [-- plan|apply]` (or `scripts/bench`). It drives the release binary as a
//! user would, reads request counts from the sandbox's `/_sandbox/counters`, measures peak RSS with
//! GNU time, and runs each baseline (a pydo-style walk of the whole account; creating droplets one at a
//! time, each polled until active before the next) in the same run.
#![allow(clippy::print_stdout, clippy::print_stderr)]

// The e2e tests' typed sandbox client; the benchmark uses only part of it.
#[allow(dead_code)]
#[path = "../tests/e2e/support/sandbox_client.rs"]
mod sandbox_client;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use sandbox_client::{Counters, SandboxClient};

const TOKEN: &str = "bench-token";

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if args.first().map(String::as_str) == Some("baseline-list") {
        return baseline_list(&args[1]);
    }
    let bin = build_release();
    let which = args.first().cloned().unwrap_or_else(|| "all".into());
    if which == "all" || which == "plan" {
        bench_plan(&bin);
    }
    if which == "all" || which == "apply" {
        bench_apply(&bin);
    }
}

fn build_release() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--quiet", "--bin", "stagecraft"])
        .status()
        .expect("cargo build");
    assert!(status.success());
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").into());
    PathBuf::from(target).join("release/stagecraft")
}

/// `stagecraft sandbox serve` as a child process, and a client for it.
struct Sandbox {
    child: Child,
    url: String,
    client: SandboxClient,
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sandbox {
    fn start(bin: &Path, boot_time: &str) -> Sandbox {
        let mut child = Command::new(bin)
            .args([
                "sandbox",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--token",
                TOKEN,
                "--boot-time",
                boot_time,
            ])
            .args([
                "--rate-limit-per-hour",
                "1000000",
                "--rate-limit-per-minute",
                "1000000",
            ])
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the sandbox");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_string();
        let client = SandboxClient::new(&url, TOKEN);
        Sandbox { child, url, client }
    }
}

fn project(url: &str, hosts: usize, poll: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let yaml = format!(
        "cloud:\n  provider: digitalocean\n  providers:\n    digitalocean:\n      token_env: DO_TOKEN\n      ssh_key_name: bench-key\n      api_url: {url}\n      default_region: nyc1\n      default_size: s-1vcpu-1gb\n      apply: {{ poll_interval: {poll}, timeout: 10m }}\n      hosts:\n        staging:\n          app: {{ role: app, count: {hosts} }}\n"
    );
    std::fs::write(dir.path().join("stagecraft.yml"), yaml).unwrap();
    dir
}

/// Runs the binary under GNU time: (wall seconds, peak RSS in KiB, stdout).
fn timed(bin: &Path, dir: &Path, args: &[&str]) -> (f64, u64, String) {
    let start = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(bin)
        .args(args)
        .current_dir(dir)
        .env("DO_TOKEN", TOKEN)
        .env("STAGECRAFT_DATA_DIR", dir.join("data"))
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    let wall = start.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} failed: {stderr}", args);
    let rss = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .unwrap_or(0);
    (wall, rss, String::from_utf8_lossy(&out.stdout).into_owned())
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn add_ssh_key(sb: &Sandbox) {
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGJlbmNoYmVuY2hiZW5jaGJlbmNoYmVuY2hiZW5jaGJlbmNo bench";
    sb.client.post(
        "/v2/account/keys",
        json!({"name": "bench-key", "public_key": key}),
    );
}

fn bench_plan(bin: &Path) {
    println!("== plan: 50 managed hosts in an account of 10,000 droplets ==");
    let sb = Sandbox::start(bin, "0s");
    add_ssh_key(&sb);
    sb.client
        .seed(json!({"droplets": 9950, "name_prefix": "other-"}));
    let dir = project(&sb.url, 50, "0s");
    timed(bin, dir.path(), &["apply", "--auto-approve"]);
    let runs = 7;
    let mut walls = Vec::new();
    let mut rss = 0;
    let mut counters = Counters::default();
    for _ in 0..runs {
        sb.client.clear_requests();
        let (wall, r, out) = timed(bin, dir.path(), &["plan"]);
        assert!(out.starts_with("No changes."), "{out}");
        walls.push(wall);
        rss = rss.max(r);
        counters = sb.client.counters();
    }
    let mut base_walls = Vec::new();
    let mut base_rss = 0;
    let mut base_counters = Counters::default();
    let me = std::env::current_exe().unwrap();
    for _ in 0..runs {
        sb.client.clear_requests();
        let start = Instant::now();
        let out = Command::new("/usr/bin/time")
            .args(["-f", "%M"])
            .arg(&me)
            .args(["baseline-list", &sb.url])
            .output()
            .unwrap();
        base_walls.push(start.elapsed().as_secs_f64());
        let stderr = String::from_utf8_lossy(&out.stderr);
        base_rss = base_rss.max(
            stderr
                .lines()
                .last()
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(0),
        );
        base_counters = sb.client.counters();
    }
    let (m, b) = (median(walls), median(base_walls));
    println!(
        "{:<34} {:>14} {:>22} {:>8}",
        "", "stagecraft plan", "pydo-style list+filter", "ratio"
    );
    println!(
        "{:<34} {:>14.3} {:>22.3} {:>7.1}x",
        "median wall time (s)",
        m,
        b,
        b / m
    );
    println!(
        "{:<34} {:>14} {:>22} {:>7.1}x",
        "peak RSS (KiB)",
        rss,
        base_rss,
        base_rss as f64 / rss.max(1) as f64
    );
    let (t, bt) = (counters.total(), base_counters.total());
    println!(
        "{:<34} {:>14} {:>22} {:>7.1}x",
        "requests (total)",
        t,
        bt,
        bt as f64 / t.max(1) as f64
    );
    println!("requests per route, stagecraft plan: {counters}");
    println!("requests per route, baseline:        {base_counters}");
    // The sandbox must never dominate what is measured: one 200-droplet page of the 10,000.
    let mut page_ms = Vec::new();
    for i in 0..60 {
        let start = Instant::now();
        let body = sb
            .client
            .get_text(&format!("/v2/droplets?per_page=200&page={}", 1 + i % 50));
        page_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        assert!(body.len() > 100_000);
    }
    let page = median(page_ms);
    println!(
        "sandbox: median time to serve a 200-droplet page of 10,000: {page:.2} ms (target < 5 ms: {})",
        pass(page < 5.0)
    );
    println!();
}

/// The baseline: what pydo's README shows, `droplets.list()` page by page (20 per page), then filter.
fn baseline_list(url: &str) {
    let client = SandboxClient::new(url, TOKEN);
    let mut page = 1;
    let mut mine = 0;
    loop {
        let body = client
            .get(&format!("/v2/droplets?page={page}&per_page=20"))
            .json;
        for d in body["droplets"].as_array().unwrap() {
            if d["tags"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "stagecraft:env:staging")
            {
                mine += 1;
            }
        }
        if body.pointer("/links/pages/next").is_none() {
            break;
        }
        page += 1;
    }
    assert_eq!(mine, 50);
}

fn bench_apply(bin: &Path) {
    println!("== apply: 50 hosts, sandbox boot time 2s, poll interval 200ms ==");
    let sb = Sandbox::start(bin, "2s");
    add_ssh_key(&sb);
    let dir = project(&sb.url, 50, "200ms");
    sb.client.clear_requests();
    let (wall, rss, out) = timed(bin, dir.path(), &["apply", "--auto-approve"]);
    assert!(out.contains("Apply complete: 50 done, 0 failed"), "{out}");
    let counters = sb.client.counters();
    let creates = counters.get("POST /v2/droplets");
    let lists = counters.get("GET /v2/droplets");
    let requests = counters.total();

    // The baseline: create one droplet, poll it until active, then the next.
    sb.client.reset();
    add_ssh_key(&sb);
    sb.client.clear_requests();
    let start = Instant::now();
    for i in 1..=50 {
        let body = json!({"name": format!("seq-app-{i}"), "region": "nyc1", "size": "s-1vcpu-1gb", "image": "ubuntu-22-04-x64", "tags": ["stagecraft:env:seq"]});
        let created = sb.client.post("/v2/droplets", body).json;
        let id = created["droplet"]["id"].as_u64().unwrap();
        loop {
            std::thread::sleep(Duration::from_millis(200));
            let d = sb.client.get(&format!("/v2/droplets/{id}")).json;
            if d["droplet"]["status"] == "active" {
                break;
            }
        }
    }
    let seq_wall = start.elapsed().as_secs_f64();
    let seq = sb.client.counters();
    let seq_total = seq.total();
    println!(
        "{:<26} {:>16} {:>22} {:>8}",
        "", "stagecraft apply", "one at a time", "ratio"
    );
    println!(
        "{:<26} {:>16.2} {:>22.2} {:>7.1}x",
        "wall time (s)",
        wall,
        seq_wall,
        seq_wall / wall
    );
    println!(
        "{:<26} {:>16} {:>22}",
        "create requests",
        creates,
        seq.get("POST /v2/droplets")
    );
    println!(
        "{:<26} {:>16} {:>22}",
        "list / get requests",
        lists,
        seq.get("GET /v2/droplets/{id}") + seq.get("GET /v2/droplets")
    );
    println!(
        "{:<26} {:>16} {:>22} {:>7.1}x",
        "total requests",
        requests,
        seq_total,
        seq_total as f64 / requests.max(1) as f64
    );
    println!("{:<26} {:>16}", "stagecraft peak RSS (KiB)", rss);
    println!(
        "targets: wall < 1.5 x boot time (3.0 s): {}; creates <= 5: {}; total requests < 40: {}",
        pass(wall < 3.0),
        pass(creates <= 5),
        pass(requests < 40)
    );
    println!("requests per route, stagecraft apply: {counters}");
    println!();
}

fn pass(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}
