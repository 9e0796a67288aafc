//! Build metadata for `--version`: the git commit and the build date ("unknown" outside a git checkout).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

// The same days-to-date arithmetic as the product's timestamps, written once.
#[path = "src/clock/civil.rs"]
mod civil;

fn main() {
    let commit = commit().unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STAGECRAFT_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=STAGECRAFT_BUILD_DATE={}", build_date());
    // Re-run when HEAD moves (a commit, a checkout, a pull), not on every edit: a new date alone is not
    // worth recompiling the crate for.
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/clock/civil.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let head_ref = git(&["symbolic-ref", "-q", "HEAD"]);
    for name in ["HEAD", "packed-refs"]
        .into_iter()
        .map(String::from)
        .chain(head_ref)
    {
        // A path that does not exist would make cargo re-run this script on every build.
        if let Some(path) =
            git(&["rev-parse", "--git-path", &name]).filter(|p| Path::new(p).exists())
        {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

/// The short commit, only when this package is the top of its git checkout (not, say, a crate unpacked
/// inside some other repository).
fn commit() -> Option<String> {
    let top = git(&["rev-parse", "--show-toplevel"])?;
    let here = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let same = |a: &str, b: &str| match (Path::new(a).canonicalize(), Path::new(b).canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if !same(&top, &here) {
        return None;
    }
    git(&["rev-parse", "--short=9", "HEAD"])
}

/// `YYYY-MM-DD` in UTC: SOURCE_DATE_EPOCH when set (reproducible builds), else today.
fn build_date() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(|secs| UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap_or_else(SystemTime::now);
    let days = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400);
    let (y, m, d) = civil::civil_from_days(days as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}
