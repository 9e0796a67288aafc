//! The DigitalOcean API client and the typed objects it returns.

pub mod audit;
pub mod client;
pub mod error;
pub mod models;
pub mod retry;

pub use client::{Client, ClientOptions, Reply, Token, encode};
pub use error::{ApiErrorBody, ProviderError};
pub use models::{Account, Action, Droplet, Image, Region, Size, SshKey};
pub use retry::RetryMode;
