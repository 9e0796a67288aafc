//! The DigitalOcean API: the only module that knows a `/v2` path or builds a request body. `client` is the
//! wire (auth, retries, pacing, pages, audit); each other file is one resource's typed operations.

pub mod account_view;
pub mod actions;
pub mod audit;
pub mod budget;
pub mod catalog;
pub mod client;
pub mod domains;
pub mod droplets;
pub mod error;
pub mod firewalls;
pub mod inventory;
pub mod listings;
pub mod models;
pub mod pacing;
pub mod pages;
pub mod parallel;
pub mod projects;
pub mod reply;
pub mod reserved_ips;
pub mod retry;
pub mod tags;
pub mod token;
pub mod url;
mod wire;

pub use actions::DropletAction;
pub use catalog::Catalog;
pub use client::{Client, ClientOptions};
pub use droplets::{CreateDroplets, Created, ImageRef};
pub use error::{ApiErrorBody, ProviderError};
pub use inventory::Collection;
pub use listings::{ListingStats, Listings, TextPage};
pub use models::{Account, Action, Droplet, DropletStatus, Image, Region, Size, SshKey};
pub use reply::Reply;
pub use retry::RetryMode;
pub use token::Token;
pub use url::encode;
