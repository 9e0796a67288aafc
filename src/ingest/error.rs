//! What can stop an ingest (or the action recorder) as a whole. Every message is already redacted.

/// Errors at the `ingest` module boundary. A resource type that fails to list is not one of these: it
/// makes the run `partial` and is reported in the run summary instead.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("--db `{given}` {reason}")]
    BadDsn { given: String, reason: String },

    #[error("--resources: unknown resource `{given}`; choose from {valid}")]
    UnknownResource { given: String, valid: String },

    #[error(
        "cannot connect to PostgreSQL at {dsn}: {message}; check that the server runs, that host, port, user, password and database in --db (or STAGECRAFT_DATABASE_URL) are right, and that the user may connect"
    )]
    Connect { dsn: String, message: String },

    #[error(
        "cannot open the SQLite database {path}: {message}; check that the directory exists and is writable"
    )]
    OpenSqlite { path: String, message: String },

    #[error("preparing the schema in {dsn}: {message}")]
    Migrate { dsn: String, message: String },

    #[error(
        "{dsn} has schema version {found}, newer than the {known} this stagecraft knows; upgrade stagecraft before ingesting into it"
    )]
    SchemaTooNew { dsn: String, found: i64, known: i64 },

    #[error(
        "{dsn}: migration {version} ({name}) was applied with different contents than the one built into this stagecraft; migrations are append-only, so the database or the build has been altered"
    )]
    MigrationChanged {
        dsn: String,
        version: i64,
        name: String,
    },

    #[error("the database {dsn} failed: {message}")]
    Database { dsn: String, message: String },

    /// Only from [`crate::ingest::parse_only`], which has no run to record a failed listing in.
    #[error("listing {resource} failed: {message}")]
    Listing { resource: String, message: String },
}

/// An error and its causes on one line, each once: drivers often repeat their source in their own message.
pub(crate) fn one_line(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let line = s.to_string();
        if !text.contains(&line) {
            text.push_str(&format!(": {line}"));
        }
        source = s.source();
    }
    text
}
