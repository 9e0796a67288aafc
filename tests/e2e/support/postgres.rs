//! A fresh PostgreSQL database per test, created from `STAGECRAFT_TEST_DATABASE_URL` and dropped after.
//!
//! Without that variable (or with the server down) a test that asks for a database is reported as ignored,
//! with the reason, unless `STAGECRAFT_REQUIRE_POSTGRES=1` (set by CI), which makes it a failure.

use std::sync::atomic::{AtomicUsize, Ordering};

pub const URL_VAR: &str = "STAGECRAFT_TEST_DATABASE_URL";
pub const REQUIRE_VAR: &str = "STAGECRAFT_REQUIRE_POSTGRES";
/// A role that pg_hba lets in over TLS only (host `localhost`), and the CA that signed the server's
/// certificate: both set by scripts/ci-postgres.
pub const TLS_URL_VAR: &str = "STAGECRAFT_TEST_TLS_DATABASE_URL";
pub const CA_VAR: &str = "STAGECRAFT_TEST_PG_CA";

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// One throwaway database. The role in the test URL needs CREATEDB.
pub struct TestDb {
    pub url: String,
    admin_url: String,
    name: String,
}

fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

/// Ends the test: a failure where CI requires PostgreSQL, else ignored with `reason`.
fn unavailable(test: &str, reason: &str) -> ! {
    assert!(
        !required(),
        "{test}: PostgreSQL is required ({REQUIRE_VAR}=1) but {reason}"
    );
    super::harness::skip(format!(
        "needs PostgreSQL: {reason}; run scripts/ci-postgres to get one"
    ))
}

/// A fresh database for `test`; the test is ignored (or fails, if required) when PostgreSQL is not there.
pub fn test_db(test: &str) -> TestDb {
    let Ok(admin_url) = std::env::var(URL_VAR) else {
        unavailable(test, &format!("{URL_VAR} is not set"));
    };
    let mut admin = match postgres::Client::connect(&admin_url, postgres::NoTls) {
        Ok(c) => c,
        Err(e) => unavailable(test, &format!("cannot connect to {URL_VAR}: {e}")),
    };
    let name = format!(
        "sc_test_{}_{}_{}",
        test.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(30)
            .collect::<String>()
            .to_lowercase(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    // Two statements: a multi-statement batch would run as one transaction, which CREATE DATABASE refuses.
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .and_then(|_| admin.batch_execute(&format!("CREATE DATABASE {name}")))
        .expect("create the test database (does the test role have CREATEDB?)");
    TestDb {
        url: with_database(&admin_url, &name),
        admin_url,
        name,
    }
}

/// `url` pointing at database `name` instead (the query string is kept).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    /// The TLS-only role's URL for this database and the CA file, with the role given CREATE here so that
    /// ingest can make its schema; the test is ignored (or fails, if required) where scripts/ci-postgres did
    /// not set them up.
    pub fn tls_only(&self, test: &str) -> (String, String) {
        let (Ok(url), Ok(ca)) = (std::env::var(TLS_URL_VAR), std::env::var(CA_VAR)) else {
            unavailable(test, &format!("{TLS_URL_VAR} or {CA_VAR} is not set"));
        };
        let role = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split([':', '@']).next())
            .expect("a user in the TLS URL")
            .to_string();
        self.client()
            .batch_execute(&format!("GRANT CREATE ON DATABASE {} TO {role}", self.name))
            .expect("grant CREATE to the TLS role");
        (with_database(&url, &self.name), ca)
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url, postgres::NoTls).expect("connect to the test database")
    }

    /// The single value of `sql` (an integer).
    pub fn count(&self, sql: &str) -> i64 {
        self.client().query_one(sql, &[]).expect(sql).get(0)
    }

    /// Every row of every table in schema `ops`, as text: for "this must appear nowhere" checks.
    pub fn dump_ops(&self) -> String {
        let mut client = self.client();
        let tables: Vec<String> = client
            .query(
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'ops'",
                &[],
            )
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert!(!tables.is_empty(), "no tables in schema ops");
        let mut text = String::new();
        for table in tables {
            for row in client
                .query(&format!("SELECT t::text FROM ops.{table} t"), &[])
                .unwrap()
            {
                text.push_str(row.get::<_, &str>(0));
                text.push('\n');
            }
        }
        text
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&self.admin_url, postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
