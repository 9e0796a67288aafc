//! Opening a PostgreSQL store: the connection (TLS included, from the parsed `--db` URL) and the schema
//! migrations, applied under an advisory lock.

use std::time::Duration;

use super::{LOCK_NAMESPACE, PgStore, error_text};
use crate::ingest::dsn::Dsn;
use crate::ingest::error::IngestError;
use crate::ingest::migrations::{self, MIGRATIONS, check_applied};
use crate::ingest::pg_url::PgUrl;
use crate::ingest::store::pg_tls;
use crate::ingest::store::protocol::WriteMode;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

impl PgStore {
    pub fn open(dsn: &Dsn, mode: WriteMode) -> Result<PgStore, IngestError> {
        let Dsn::Postgres { url } = dsn else {
            unreachable!("PgStore::open is only called with a postgres DSN");
        };
        let bad_dsn = |reason| IngestError::BadDsn {
            given: dsn.redacted(),
            reason,
        };
        let connect_error = |message: String| IngestError::Connect {
            dsn: dsn.redacted(),
            message: dsn.scrub(&message),
        };
        let PgUrl {
            mut config,
            tls: params,
        } = PgUrl::parse(url).map_err(bad_dsn)?;
        config.ssl_mode(pg_tls::driver_mode(&params));
        let home = directories::BaseDirs::new().map(|dirs| dirs.home_dir().to_path_buf());
        // A TLS setting that cannot work is the URL's problem, found before any connection is tried.
        let connector = pg_tls::connector(&params, home.as_deref()).map_err(bad_dsn)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_application_name().is_none() {
            config.application_name("stagecraft-ingest");
        }
        let client = config.connect(connector).map_err(|e| {
            let text = error_text(&e);
            match pg_tls::hint(&text, &params) {
                Some(hint) => connect_error(format!("{text}; {hint}")),
                None => connect_error(text),
            }
        })?;
        let mut store = PgStore {
            client,
            dsn: dsn.clone(),
            mode,
            staged: false,
        };
        store.migrate()?;
        // `raw` values are 1-3 KB, so PostgreSQL compresses most of them, twice per listing (the temporary
        // table, then the table): with pglz, the default, that is as costly as parsing them. lz4 is several
        // times cheaper for about the same size. Only this session's writes change; a server built
        // without lz4 refuses the setting and keeps pglz.
        let _ = store
            .client
            .batch_execute("SET default_toast_compression = lz4");
        // A listing is staged in a temporary table (tens of MB for 10,000 droplets); beyond temp_buffers
        // (8 MB by default) its pages go out to files and the merge reads them back. Only the buffers
        // used are allocated; it must be set before the session's first temporary table.
        let _ = store.client.batch_execute("SET temp_buffers = '64MB'");
        Ok(store)
    }

    /// Applies missing migrations under a session advisory lock, so two ingests starting at once on an
    /// empty database do not both try to create the schema.
    fn migrate(&mut self) -> Result<(), IngestError> {
        let migrate_error = |dsn: &Dsn, e: &postgres::Error| IngestError::Migrate {
            dsn: dsn.redacted(),
            message: dsn.scrub(&error_text(e)),
        };
        self.client
            .execute("SELECT pg_advisory_lock($1, 0)", &[&LOCK_NAMESPACE])
            .map_err(|e| migrate_error(&self.dsn, &e))?;
        let result = self.migrate_locked();
        // The lock is released even when a migration failed; the connection closing would too.
        let unlock = self
            .client
            .execute("SELECT pg_advisory_unlock($1, 0)", &[&LOCK_NAMESPACE]);
        result?;
        unlock.map_err(|e| migrate_error(&self.dsn, &e))?;
        Ok(())
    }

    fn migrate_locked(&mut self) -> Result<(), IngestError> {
        let dsn = self.dsn.clone();
        let fail = |e: postgres::Error| IngestError::Migrate {
            dsn: dsn.redacted(),
            message: dsn.scrub(&error_text(&e)),
        };
        self.client
            .batch_execute(
                "CREATE SCHEMA IF NOT EXISTS ops;
                 CREATE TABLE IF NOT EXISTS ops.schema_migrations (
                     version    BIGINT PRIMARY KEY,
                     name       TEXT NOT NULL,
                     checksum   TEXT NOT NULL,
                     applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
                 );",
            )
            .map_err(fail)?;
        let applied: Vec<(i64, String, String)> = self
            .client
            .query(
                "SELECT version, name, checksum FROM ops.schema_migrations ORDER BY version",
                &[],
            )
            .map_err(fail)?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        check_applied(&self.dsn, &applied, |m| m.postgres)?;
        for m in MIGRATIONS
            .iter()
            .filter(|m| !applied.iter().any(|(v, _, _)| *v == m.version))
        {
            let mut tx = self.client.transaction().map_err(fail)?;
            tx.batch_execute(m.postgres).map_err(fail)?;
            tx.execute(
                "INSERT INTO ops.schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                &[&m.version, &m.name, &migrations::checksum(m.postgres)],
            )
            .map_err(fail)?;
            tx.commit().map_err(fail)?;
        }
        Ok(())
    }
}
