//! One reply as stagecraft reads it: the parsed body, the API's error envelope, and why an attempt got
//! no reply at all (a network failure, retried; or a local one, never retried).

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiErrorBody, ProviderError};

/// One parsed reply: status, request id and JSON body (`Null` for an empty body).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub request_id: Option<String>,
    pub body: Value,
}

pub(super) fn decode<T: DeserializeOwned>(
    body: &Value,
    key: &str,
    method: &str,
    path: &str,
) -> Result<T, ProviderError> {
    let value = body.get(key).ok_or_else(|| ProviderError::Decode {
        method: method.into(),
        path: path.into(),
        message: format!("the reply has no `{key}`"),
    })?;
    serde_json::from_value(value.clone()).map_err(|e| ProviderError::Decode {
        method: method.into(),
        path: path.into(),
        message: format!("`{key}`: {e}"),
    })
}

pub(super) fn api_error(method: &str, path: &str, reply: Reply) -> ProviderError {
    let mut body: ApiErrorBody = serde_json::from_value(reply.body).unwrap_or(ApiErrorBody {
        id: String::new(),
        message: String::new(),
        request_id: None,
    });
    if body.id.is_empty() {
        body.id = "unknown_error".into();
    }
    if body.message.is_empty() {
        body.message = "(no message)".into();
    }
    if body.request_id.is_none() {
        body.request_id = reply.request_id;
    }
    ProviderError::Api {
        method: method.into(),
        path: path.into(),
        status: reply.status,
        body: Box::new(body),
    }
}

/// Why one attempt got no reply.
pub(super) struct Failure {
    pub(super) message: String,
    /// The request could not be built or sent at all (a bad header value or URL, a TLS setup refused):
    /// a local error, never retried.
    pub(super) local: bool,
}

impl Failure {
    pub(super) fn of(error: &ureq::Error) -> Failure {
        let (message, local) = match error {
            ureq::Error::Timeout(_) => ("timed out".to_string(), false),
            ureq::Error::ConnectionFailed => ("connection failed".to_string(), false),
            ureq::Error::HostNotFound => ("host not found".to_string(), false),
            // The network or the server: the request may have arrived.
            ureq::Error::Io(_) | ureq::Error::Protocol(_) | ureq::Error::BodyStalled => {
                (error.to_string(), false)
            }
            other => (other.to_string(), true),
        };
        Failure { message, local }
    }
}
