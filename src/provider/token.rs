//! The API token: only ever written into the `Authorization` header, never shown.

use super::error::ProviderError;

/// The API token. It is only ever written into the `Authorization` header.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

/// A token goes into a header: printable ASCII without spaces. Says where it is wrong, never what it is.
fn check(token: &str) -> Result<(), ProviderError> {
    if token.is_empty() {
        return Err(ProviderError::BadToken {
            reason: "is empty".into(),
        });
    }
    match token.char_indices().find(|(_, c)| !c.is_ascii_graphic()) {
        None => Ok(()),
        Some((i, c)) => {
            let what = match c {
                '\n' | '\r' => "a line break",
                ' ' | '\t' => "white space",
                c if c.is_control() => "a control character",
                _ => "a non-ASCII character",
            };
            let at = if i + c.len_utf8() == token.len() {
                "at its end".to_string()
            } else {
                format!("at character {}", token[..i].chars().count() + 1)
            };
            Err(ProviderError::BadToken {
                reason: format!("holds {what} {at}"),
            })
        }
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// Refuses a token that cannot go into a header (see [`check`]).
    pub(crate) fn check(&self) -> Result<(), ProviderError> {
        check(&self.0)
    }

    /// The token itself, for the `Authorization` header and nothing else.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}
