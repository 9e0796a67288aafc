//! The embedded, append-only, versioned schema migrations, one SQL file per version and backend.

use sha2::{Digest, Sha256};

use super::dsn::Dsn;
use super::error::IngestError;

/// One schema version. Versions run in order, each in its own transaction, and are recorded in
/// `ops.schema_migrations` with a checksum so an edited migration is detected instead of silently ignored.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub postgres: &'static str,
    pub sqlite: &'static str,
}

/// Append-only: add a new entry (and files) for every schema change; never edit or reorder one.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "inventory",
        postgres: include_str!("migrations/postgres/0001_inventory.sql"),
        sqlite: include_str!("migrations/sqlite/0001_inventory.sql"),
    },
    Migration {
        version: 2,
        name: "raw_as_sent",
        postgres: include_str!("migrations/postgres/0002_raw_as_sent.sql"),
        sqlite: include_str!("migrations/sqlite/0002_raw_as_sent.sql"),
    },
];

/// The newest version this build knows.
pub fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The recorded fingerprint of a migration's SQL.
pub fn checksum(sql: &str) -> String {
    Sha256::digest(sql.as_bytes())
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Refuses a database migrated by a newer build, or one whose recorded migrations differ from ours.
pub(crate) fn check_applied(
    dsn: &Dsn,
    applied: &[(i64, String, String)],
    sql: impl Fn(&Migration) -> &'static str,
) -> Result<(), IngestError> {
    for (version, name, recorded) in applied {
        match MIGRATIONS.iter().find(|m| m.version == *version) {
            None => {
                return Err(IngestError::SchemaTooNew {
                    dsn: dsn.redacted(),
                    found: *version,
                    known: latest(),
                });
            }
            Some(m) if checksum(sql(m)) != *recorded => {
                return Err(IngestError::MigrationChanged {
                    dsn: dsn.redacted(),
                    version: *version,
                    name: name.clone(),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_dense_and_increasing() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version, i as i64 + 1, "{}", m.name);
            assert!(!m.postgres.trim().is_empty() && !m.sqlite.trim().is_empty());
        }
    }

    #[test]
    fn released_migrations_are_never_edited() {
        // Pinned checksums: if this fails, a released migration was changed. Add a new one instead.
        let pinned = [
            (
                1,
                "ae9e857afa5af8b72d0d5b6b554394e5",
                "9c1e1d32ac4ba26c122ec370642e55f9",
            ),
            (
                2,
                "9d92873ab45213e4f6a38b3f56792c38",
                "f2665f5ae1ae401bafaf2d5f099bb9ef",
            ),
        ];
        for (version, pg, lite) in pinned {
            let m = &MIGRATIONS[version as usize - 1];
            assert_eq!(checksum(m.postgres), pg, "postgres migration {version}");
            assert_eq!(checksum(m.sqlite), lite, "sqlite migration {version}");
        }
    }
}
