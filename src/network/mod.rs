//! An env's networking beside its droplets: cloud firewalls applied by group tag, a DNS record per host,
//! the project the env is grouped under, and reserved IPs. `spec` resolves the config, `live` does the
//! few GETs, `diff` (with `firewalls` and `records`) is the pure comparison, `check` the checks against
//! the account, `apply` carries the steps out.

pub mod apply;
pub mod check;
pub mod diff;
mod firewalls;
pub mod handover;
pub mod live;
pub mod model;
mod records;
mod send;
pub mod spec;
pub mod wait;

pub use diff::{Inputs, NetPlan, Step};
pub use live::{NetLive, Wants};
pub use spec::NetworkSpec;

#[cfg(test)]
mod tests;
