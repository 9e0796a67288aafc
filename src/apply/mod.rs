//! `apply` and `destroy`: carry out a plan exactly once, safely, and with few API calls.

pub mod batch;
pub mod engine;
pub mod lock;
pub mod report;
pub mod saved;

pub use engine::{ActionSink, ApplyOptions, NoActions, Progress, execute};
pub use lock::EnvLock;
pub use report::{HostResult, Report};
