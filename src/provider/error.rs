//! What can go wrong talking to DigitalOcean, with the API's own message and request id.

/// DigitalOcean's error envelope: `{"id", "message", "request_id"}`.
#[derive(Debug, Clone, serde::Deserialize, PartialEq, Eq)]
pub struct ApiErrorBody {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub request_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("digitalocean provider: {method} {path} returned HTTP {status} {}: {}{}{}", body.id, body.message, request_id_suffix(body.request_id.as_deref()), hint(*status))]
    Api {
        method: String,
        path: String,
        status: u16,
        body: Box<ApiErrorBody>,
    },

    #[error(
        "digitalocean provider: {method} {path}: no usable reply ({message}); it may or may not have taken effect"
    )]
    Transport {
        method: String,
        path: String,
        message: String,
    },

    #[error("digitalocean provider: {method} {path}: unexpected response: {message}")]
    Decode {
        method: String,
        path: String,
        message: String,
    },

    #[error(
        "digitalocean provider: {method} {path}: the request could not be sent ({message}); nothing reached the API, so fix this and run again"
    )]
    Local {
        method: String,
        path: String,
        message: String,
    },

    #[error(
        "digitalocean provider: the API token {reason}; a token is printable ASCII with no spaces or line breaks (a trailing newline often comes from `echo` or a file): check the variable named by token_env"
    )]
    BadToken { reason: String },

    #[error("digitalocean provider: API URL `{url}` {reason}")]
    BadUrl { url: String, reason: String },

    #[error(
        "digitalocean provider: listing {path} failed on page {page}; refusing to use a partial listing"
    )]
    PartialListing {
        path: String,
        page: usize,
        #[source]
        source: Box<ProviderError>,
    },
}

fn request_id_suffix(id: Option<&str>) -> String {
    id.map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

fn hint(status: u16) -> &'static str {
    match status {
        401 => "; check that the variable named by `token_env` holds a valid DigitalOcean token",
        403 => {
            "; the token lacks a scope this command needs (read and write on droplets, tags, keys)"
        }
        429 => {
            "; the API rate limit was still exceeded after retrying; wait a minute and run again"
        }
        500..=599 => "; DigitalOcean had a server error; running the command again is safe",
        _ => "",
    }
}

impl ProviderError {
    /// The HTTP status, when the API answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ProviderError::Api { status, .. } => Some(*status),
            ProviderError::PartialListing { source, .. } => source.status(),
            _ => None,
        }
    }

    /// True when the request may have taken effect although no success came back (timeout, reset, 5xx),
    /// so a create must be looked up by name before it is sent again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            ProviderError::Transport { .. } => true,
            ProviderError::Api { status, .. } => *status >= 500,
            ProviderError::PartialListing { source, .. } => source.is_ambiguous(),
            _ => false,
        }
    }

    /// DigitalOcean's request id, when the API gave one.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ProviderError::Api { body, .. } => body.request_id.as_deref(),
            ProviderError::PartialListing { source, .. } => source.request_id(),
            _ => None,
        }
    }
}
