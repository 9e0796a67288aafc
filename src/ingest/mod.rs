//! `ingest`: copies the account's inventory into PostgreSQL (schema `ops`) or SQLite, with a run log,
//! and records `apply`'s actions. See docs/ingest.md for the tables and the run protocol.

pub mod actions;
pub mod dsn;
pub mod error;
pub mod migrations;
mod pages;
mod pg_url;
mod redact;
pub mod resources;
pub mod runner;
pub mod store;
mod stream;
pub mod summary;

#[cfg(test)]
mod tests;

pub use actions::ActionRecorder;
pub use dsn::Dsn;
pub use error::IngestError;
pub use resources::Resource;
pub use runner::{IngestOptions, run};
pub use store::WriteMode;
pub use stream::parse_only;
pub use summary::{ResourceOutcome, ResourceStatus, RunStatus, RunSummary};
