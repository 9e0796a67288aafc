//! Typed errors: `ApiError` (an HTTP error answered with DigitalOcean's envelope) and `SandboxError`
//! (starting the sandbox failed).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::json;

use super::http::Response;

/// An error answered as `{"id", "message", "request_id"}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {id}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub id: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, id: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            id: id.into(),
            message: message.into(),
        }
    }

    pub fn not_found() -> ApiError {
        ApiError::new(
            404,
            "not_found",
            "The resource you requested could not be found.",
        )
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(401, "unauthorized", "Unable to authenticate you.")
    }

    pub fn unprocessable(message: impl Into<String>) -> ApiError {
        ApiError::new(422, "unprocessable_entity", message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", message)
    }

    pub fn request_timeout() -> ApiError {
        ApiError::new(
            408,
            "request_timeout",
            "The request was not received in time.",
        )
    }

    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            413,
            "payload_too_large",
            format!("request body too large: at most {limit} bytes are accepted"),
        )
    }

    pub fn too_many_requests() -> ApiError {
        ApiError::new(429, "too_many_requests", "API rate limit exceeded.")
    }

    /// The envelope id for an injected status fault.
    pub fn for_status(status: u16) -> ApiError {
        match status {
            400 => ApiError::bad_request("error parsing request body"),
            401 => ApiError::unauthorized(),
            403 => ApiError::new(
                403,
                "forbidden",
                "You do not have permission to perform this action.",
            ),
            404 => ApiError::not_found(),
            409 => ApiError::new(
                409,
                "conflict",
                "The request could not be completed due to a conflict.",
            ),
            422 => ApiError::unprocessable("request payload validation failed"),
            429 => ApiError::too_many_requests(),
            500 => ApiError::new(500, "server_error", "Unexpected server-side error"),
            502 => ApiError::new(502, "bad_gateway", "Bad gateway."),
            503 => ApiError::new(503, "service_unavailable", "Service unavailable."),
            504 => ApiError::new(504, "gateway_timeout", "Gateway timeout."),
            s => ApiError::new(s, "example_error", "some error message"),
        }
    }

    pub fn to_response(&self, request_id: &str) -> Response {
        let mut r = Response::json(
            self.status,
            &json!({"id": self.id, "message": self.message, "request_id": request_id}),
        );
        r.set_header("x-request-id", request_id);
        r
    }
}

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox: cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox: cannot read state file {path}: {source}")]
    StateRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox: state file {path} is corrupt: {source}")]
    StateCorrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("sandbox: cannot write state file {path}: {source}")]
    StateWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("sandbox: invalid seed SSH key {name:?}: {message}")]
    SeedKey { name: String, message: String },
    #[error("sandbox: cannot start worker thread: {0}")]
    Thread(#[source] std::io::Error),
}
