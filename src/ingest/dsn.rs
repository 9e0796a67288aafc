//! Where ingest writes: `--db` parsed into a PostgreSQL URL or a SQLite file, and always shown redacted.

use std::path::{Path, PathBuf};

use super::error::IngestError;
use super::pg_url::PgUrl;
use super::redact::{redact_url, scrub};

/// The file name used when no `--db` is given: it lives in the user data directory.
pub const DEFAULT_SQLITE_FILE: &str = "inventory.sqlite3";

/// A parsed `--db` value.
#[derive(Clone, PartialEq, Eq)]
pub enum Dsn {
    /// `postgres://` or `postgresql://` URL, kept verbatim for the driver.
    Postgres { url: String },
    /// A SQLite database file.
    Sqlite { path: PathBuf },
}

// The URL may hold a password: Debug shows the redacted form only.
impl std::fmt::Debug for Dsn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dsn({})", self.redacted())
    }
}

impl Dsn {
    /// Parses `--db`: `postgres://…`/`postgresql://…`, `sqlite:PATH`, `sqlite://PATH`, or a bare path.
    /// Anything else with a `scheme://` is refused rather than guessed at.
    pub fn parse(text: &str) -> Result<Dsn, IngestError> {
        let trimmed = text.trim();
        let bad = |reason: &str| IngestError::BadDsn {
            given: redact_url(trimmed),
            reason: reason.to_string(),
        };
        if trimmed.is_empty() {
            return Err(bad(
                "is empty; give postgres://USER:PASSWORD@HOST:PORT/DB, sqlite:PATH or a file path",
            ));
        }
        let lower = trimmed.to_ascii_lowercase();
        if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
            PgUrl::parse(trimmed).map_err(|reason| bad(&reason))?;
            return Ok(Dsn::Postgres {
                url: trimmed.to_string(),
            });
        }
        if let Some(rest) = trimmed
            .strip_prefix("sqlite://")
            .or_else(|| trimmed.strip_prefix("sqlite:"))
        {
            if rest.is_empty() {
                return Err(bad(
                    "names no file; write sqlite:PATH, e.g. sqlite:./inventory.db",
                ));
            }
            return Ok(Dsn::Sqlite {
                path: PathBuf::from(rest),
            });
        }
        if let Some((scheme, _)) = trimmed.split_once("://") {
            return Err(bad(&format!(
                "uses `{scheme}://`, which ingest does not support; use postgres://… for PostgreSQL or sqlite:PATH (or a plain file path) for SQLite"
            )));
        }
        Ok(Dsn::Sqlite {
            path: PathBuf::from(trimmed),
        })
    }

    /// The SQLite file used when no `--db` is given.
    pub fn default_in(data_dir: &Path) -> Dsn {
        Dsn::Sqlite {
            path: data_dir.join(DEFAULT_SQLITE_FILE),
        }
    }

    pub fn backend(&self) -> &'static str {
        match self {
            Dsn::Postgres { .. } => "postgres",
            Dsn::Sqlite { .. } => "sqlite",
        }
    }

    /// The form safe to show anywhere: the password replaced by `***`.
    pub fn redacted(&self) -> String {
        match self {
            Dsn::Postgres { url } => redact_url(url),
            Dsn::Sqlite { path } => format!("sqlite:{}", path.display()),
        }
    }

    /// Removes the password from any text (a driver message, say), raw and percent-decoded.
    pub fn scrub(&self, text: &str) -> String {
        match self {
            Dsn::Postgres { url } => scrub(url, text),
            Dsn::Sqlite { .. } => text.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(
            Dsn::parse("postgres://u:p@h:5432/db").unwrap().backend(),
            "postgres"
        );
        assert_eq!(
            Dsn::parse("postgresql://u@h/db").unwrap().backend(),
            "postgres"
        );
        assert_eq!(
            Dsn::parse("sqlite:/tmp/x.db").unwrap(),
            Dsn::Sqlite {
                path: "/tmp/x.db".into()
            }
        );
        assert_eq!(
            Dsn::parse("sqlite:///tmp/x.db").unwrap(),
            Dsn::Sqlite {
                path: "/tmp/x.db".into()
            }
        );
        assert_eq!(
            Dsn::parse("./inv.db").unwrap(),
            Dsn::Sqlite {
                path: "./inv.db".into()
            }
        );
    }

    #[test]
    fn refuses_bad_values_without_showing_the_password() {
        for bad in [
            "mysql://root:hunter22@h/db",
            "postgres://u:hunter22@/db",
            "postgres://u:hunter22@h",
            "postgres://u:hunter22@h:notaport/db",
            "",
            "sqlite:",
        ] {
            let message = Dsn::parse(bad).unwrap_err().to_string();
            assert!(!message.contains("hunter22"), "{message}");
            assert!(message.contains("--db"), "{message}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact_url("postgres://user:s3cr%40t@host:5432/db?sslmode=disable"),
            "postgres://user:***@host:5432/db?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgres://host/db?user=u&password=pw"),
            "postgres://host/db?user=u&password=***"
        );
        assert_eq!(redact_url("postgres://u@h/db"), "postgres://u@h/db");
        let dsn = Dsn::parse("postgres://user:s3cr%40t@host/db").unwrap();
        assert_eq!(
            dsn.scrub("failed for s3cr@t and s3cr%40t"),
            "failed for *** and ***"
        );
        assert!(!format!("{dsn:?}").contains("s3cr"));
    }
}
