//! Ingest errors: bad DSNs, a wrong password and unknown resources, reported without the password.

use super::World;
use crate::case;
use crate::support::harness::{Case, skip};
use crate::support::postgres::test_db;
use crate::support::{Project, config_with_hosts};

pub fn tests() -> Vec<Case> {
    vec![
        case!(bad_dsns_get_clear_errors_without_the_password),
        case!(postgres_wrong_password_is_reported_without_it),
        case!(unknown_resources_are_refused),
    ]
}

fn bad_dsns_get_clear_errors_without_the_password() {
    let world = World::new();
    let cases = [
        (
            "postgres://stagecraft:hunter2secret@127.0.0.1:1/inventory",
            "cannot connect to PostgreSQL at postgres://stagecraft:***@127.0.0.1:1/inventory",
        ),
        ("mysql://root:hunter2secret@127.0.0.1/x", "does not support"),
        (
            "postgres://stagecraft:hunter2secret@127.0.0.1:1",
            "names no database",
        ),
    ];
    for (dsn, expected) in cases {
        let out = world.ingest(&["--db", dsn]).code(1);
        assert!(out.stderr.contains(expected), "{dsn}: {}", out.stderr);
        assert!(
            !out.stderr.contains("hunter2secret") && !out.stdout.contains("hunter2secret"),
            "{out:?}"
        );
    }
    // The same through STAGECRAFT_DATABASE_URL.
    let project = Project::new(&config_with_hosts(
        &world.url,
        "          app-1: { role: app }\n",
    ))
    .env(
        "STAGECRAFT_DATABASE_URL",
        "postgres://stagecraft:hunter2secret@127.0.0.1:1/inventory",
    );
    let out = project.run(&["ingest"]).code(1);
    out.assert_stderr_has("postgres://stagecraft:***@127.0.0.1:1/inventory");
    assert!(!out.stderr.contains("hunter2secret"));
}

fn postgres_wrong_password_is_reported_without_it() {
    let db = test_db("postgres_wrong_password");
    let world = World::new();
    let wrong = db.url.replacen(":stagecraft_test@", ":wrong-pass-1234@", 1);
    if wrong == db.url {
        skip("the test URL has no password to replace");
    }
    let out = world.ingest(&["--db", &wrong]).code(1);
    out.assert_stderr_has("password authentication failed");
    assert!(!out.stderr.contains("wrong-pass-1234"), "{}", out.stderr);
}

fn unknown_resources_are_refused() {
    let world = World::new();
    let out = world
        .ingest(&["--resources", "droplets,kubernetes"])
        .code(1);
    out.assert_stderr_has("unknown resource `kubernetes`");
}
