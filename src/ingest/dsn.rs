//! Where ingest writes: `--db` parsed into a PostgreSQL URL or a SQLite file, and always shown redacted.

use std::path::{Path, PathBuf};

use super::error::IngestError;

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
            check_postgres_url(trimmed).map_err(|reason| bad(&reason))?;
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
        let Dsn::Postgres { url } = self else {
            return text.to_string();
        };
        let mut out = text.replace(url.as_str(), &redact_url(url));
        if let Some(password) = url_password(url) {
            for form in [percent_decode(&password), password] {
                // Very short "passwords" would blank out ordinary words; they are not worth hiding there.
                if form.len() >= 3 {
                    out = out.replace(&form, "***");
                }
            }
        }
        out
    }
}

/// `scheme://user:secret@host/db?password=x` → `scheme://user:***@host/db?password=***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The password of a URL (userinfo or `password=` query parameter), as written.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        return Some(password.to_string());
    }
    let query = rest.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.eq_ignore_ascii_case("password") && !v.is_empty()).then(|| v.to_string())
    })
}

fn check_postgres_url(url: &str) -> Result<(), String> {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or("");
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let path = rest[end..].split('?').next().unwrap_or("");
    if host.is_empty() && !rest[end..].contains("host=") {
        return Err("has no host; write postgres://USER:PASSWORD@HOST:PORT/DATABASE".to_string());
    }
    if path.trim_start_matches('/').is_empty() {
        return Err(
            "names no database; write postgres://USER:PASSWORD@HOST:PORT/DATABASE".to_string(),
        );
    }
    let (driver_url, _) = super::store::pg_tls::split_url(url)?;
    driver_url.parse::<postgres::Config>().map(|_| ()).map_err(|e| {
        // The driver's message may quote the URL; keep only its gist, redacted.
        format!(
            "is not a valid PostgreSQL URL ({}); write postgres://USER:PASSWORD@HOST:PORT/DATABASE and percent-encode special characters in the password",
            Dsn::Postgres { url: url.into() }.scrub(&e.to_string())
        )
    })
}

pub(crate) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
