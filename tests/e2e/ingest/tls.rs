//! Ingest into PostgreSQL over TLS: libpq's sslmode meanings and the certificate checks.

use serde_json::json;

use super::World;
use crate::case;
use crate::support::harness::Case;
use crate::support::postgres::test_db;

pub fn tests() -> Vec<Case> {
    vec![case!(postgres_tls_sslmodes_and_certificate_checks)]
}

/// libpq's sslmode meanings against a server whose certificate names `localhost` only, as a role that
/// pg_hba admits over TLS only: every success below was an encrypted connection.
fn postgres_tls_sslmodes_and_certificate_checks() {
    let db = test_db("postgres_tls");
    let (url, ca) = db.tls_only("postgres_tls");
    let world = World::new();
    world.seed(json!({"vpcs": 2}));
    let with = |url: &str, query: &str| format!("{url}?{query}");
    let by_ip = url.replacen("@localhost:", "@127.0.0.1:", 1);
    let ingest = |db: &str| world.ingest(&["--db", db, "--resources", "vpcs"]);

    let refused = ingest(&with(&url, "sslmode=disable")).code(1);
    assert!(
        refused.stderr.contains("no encryption"),
        "the TLS-only role must be refused in plain text: {}",
        refused.stderr
    );

    for (run, (target, query)) in [
        (&url, String::new()),
        (&url, "sslmode=require".to_string()),
        (&url, format!("sslmode=verify-full&sslrootcert={ca}")),
        (&by_ip, format!("sslmode=verify-ca&sslrootcert={ca}")),
        (&by_ip, format!("sslmode=require&sslrootcert={ca}")),
    ]
    .into_iter()
    .enumerate()
    {
        let db = if query.is_empty() {
            target.clone()
        } else {
            with(target, &query)
        };
        let out = ingest(&db).because(&db).success();
        // One database throughout: the runs count up, so each really wrote there.
        out.assert_stdout_has(&format!("ingest run {}: success", run + 1));
        assert!(!out.stdout.contains(":stagecraft_test@"), "{}", out.stdout);
    }

    let wrong_name = ingest(&with(
        &by_ip,
        &format!("sslmode=verify-full&sslrootcert={ca}"),
    ))
    .code(1);
    wrong_name.assert_stderr_has("not valid for name \"127.0.0.1\"");
    wrong_name.assert_stderr_has("sslmode=verify-ca skips the name check");

    let unknown_ca = ingest(&with(&url, "sslmode=verify-full&sslrootcert=system")).code(1);
    unknown_ca.assert_stderr_has("UnknownIssuer");

    let no_ca = ingest(&with(&url, "sslmode=verify-ca")).code(1);
    no_ca.assert_stderr_has("add sslrootcert=PATH");
    for out in [&refused, &wrong_name, &unknown_ca, &no_ca] {
        assert!(
            !out.stderr.contains(":stagecraft_test@"),
            "password shown: {}",
            out.stderr
        );
    }
}
