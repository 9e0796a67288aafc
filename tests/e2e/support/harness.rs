//! The e2e binary's own test runner (libtest-mimic, so `cargo test -- FILTER`, `--ignored`,
//! `--include-ignored`, `--list` and `--test-threads` work as usual).
//!
//! Why not the built-in harness: a test that needs PostgreSQL or sshd must show as *ignored*, with the
//! reason, when the service is missing, and libtest can only ignore at compile time. Here a test calls
//! [`skip`] and is reported as `ignored (reason)`.
//!
//! Each module lists its tests with [`case!`](crate::case) in a `tests()` function. A top-level
//! `fn name() {` (no arguments, no result) in a module file is a test by definition, and [`run`] refuses
//! to start while one is missing from the lists, so no test can exist without running.

use std::collections::BTreeSet;
use std::panic::{catch_unwind, resume_unwind};
use std::path::Path;

use libtest_mimic::{Arguments, Completion, Trial};

/// One registered test: its name as libtest would print it (`apply::faults::a_429_...`) and its function.
#[derive(Clone)]
pub struct Case {
    name: String,
    run: fn(),
    ignored: bool,
}

/// `case!(f)`: test function `f` of the calling module.
#[macro_export]
macro_rules! case {
    ($f:ident) => {
        $crate::support::harness::Case::new(module_path!(), stringify!($f), $f)
    };
}

impl Case {
    /// `module` is `module_path!()`: the crate name (`e2e`) is left out, as libtest does.
    pub fn new(module: &str, function: &str, run: fn()) -> Case {
        let module = module.split_once("::").map_or("", |(_, rest)| rest);
        Case {
            name: format!("{module}::{function}"),
            run,
            ignored: false,
        }
    }

    /// Run only when asked for, with `--ignored` or `--include-ignored`.
    pub fn ignored(mut self) -> Case {
        self.ignored = true;
        self
    }

    fn trial(self) -> Trial {
        let run = self.run;
        Trial::ignorable_test(self.name, move || match catch_unwind(run) {
            Ok(()) => Ok(Completion::Completed),
            Err(payload) => match payload.downcast::<Skip>() {
                Ok(skip) => Ok(Completion::ignored_with(skip.0)),
                // A real failure: libtest-mimic catches it again and reports its message.
                Err(payload) => resume_unwind(payload),
            },
        })
        .with_ignored_flag(self.ignored)
    }
}

struct Skip(String);

/// Ends the running test as ignored, with `reason` printed beside its name.
pub fn skip(reason: impl Into<String>) -> ! {
    // resume_unwind skips the panic hook: nothing is printed as if the test had failed.
    resume_unwind(Box::new(Skip(reason.into())))
}

/// Checks that every test function is registered, then runs the tests selected by the command line.
pub fn run(mut cases: Vec<Case>) -> ! {
    let unregistered = unregistered(&cases);
    if !unregistered.is_empty() {
        eprintln!(
            "error: these test functions are not in their module's tests() list, so they would never run:\n  {}",
            unregistered.join("\n  ")
        );
        std::process::exit(101);
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    let trials = cases.into_iter().map(Case::trial).collect();
    libtest_mimic::run(&Arguments::from_args(), trials).exit()
}

/// `module::function` for every test function in the module files that no case names.
fn unregistered(cases: &[Case]) -> Vec<String> {
    let registered: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/e2e");
    let mut missing = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for path in entries.map(|e| e.expect("a directory entry").path()) {
            let relative = path.strip_prefix(&root).expect("below the root");
            if path.is_dir() {
                if relative != Path::new("support") {
                    dirs.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || relative == Path::new("main.rs") {
                continue;
            }
            let module = module_of(relative);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for function in text.lines().filter_map(test_function) {
                let name = format!("{module}::{function}");
                if !registered.contains(name.as_str()) {
                    missing.push(name);
                }
            }
        }
    }
    missing.sort();
    missing
}

/// `sandbox/faults.rs` -> `sandbox::faults`, `sandbox/mod.rs` -> `sandbox`.
fn module_of(relative: &Path) -> String {
    let path = relative.with_extension("");
    let parts: Vec<String> = path
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| p != "mod")
        .collect();
    parts.join("::")
}

/// The name in a line `fn name() {`, the shape of a test function.
fn test_function(line: &str) -> Option<&str> {
    let name = line.strip_prefix("fn ")?.strip_suffix("() {")?;
    name.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_')
        .then_some(name)
}
