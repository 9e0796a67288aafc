//! `apply` and `destroy`: carry out a plan exactly once, safely, and with few API calls.

pub mod adopt;
pub mod batch;
mod create;
mod delete;
pub mod engine;
pub mod inplace;
pub mod lock;
mod network;
pub mod probes;
mod ready;
pub mod report;
pub mod resize;
mod retag;
mod rolling;
pub mod saved;
pub mod sink;
mod watch;

pub use engine::{ApplyOptions, execute};
pub use lock::EnvLock;
pub use probes::{Prober, Readiness, SshProber};
pub use report::{HostOutcome, HostResult, Report, RunKind};
pub use sink::{ActionKind, ActionSink, Finished, NoActions, Progress};
