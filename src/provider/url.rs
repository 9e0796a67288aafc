//! The API's address and query values: which base URLs may carry the token, and how values are encoded.

use super::error::ProviderError;

/// Percent-encodes a query value (tag names may hold `:`, which is kept readable).
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Accepts `https://` URLs, and `http://` only for loopback hosts (the sandbox and tests).
pub fn check_base_url(url: &str) -> Result<String, ProviderError> {
    let bad = |reason: &str| ProviderError::BadUrl {
        url: url.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = url.trim_end_matches('/');
    let (scheme, rest) = trimmed
        .split_once("://")
        .ok_or_else(|| bad("is not a URL such as https://api.digitalocean.com"))?;
    let authority = rest.split('/').next().unwrap_or("");
    if authority.is_empty() || authority.contains('@') {
        return Err(bad(
            "has no host (or carries credentials, which do not belong in a URL)",
        ));
    }
    let host = if let Some(v6) = authority.strip_prefix('[') {
        let Some((host, rest)) = v6.split_once(']') else {
            return Err(bad(
                "opens an IPv6 address with `[` but never closes it with `]`",
            ));
        };
        if !(rest.is_empty() || rest.strip_prefix(':').is_some_and(is_port)) {
            return Err(bad(
                "has something other than `:PORT` after the IPv6 address",
            ));
        }
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad("has an IPv6 address that does not parse"));
        }
        host
    } else {
        authority.split(':').next().unwrap_or("")
    };
    match scheme {
        "https" => Ok(trimmed.to_string()),
        "http" if is_loopback(host) => Ok(trimmed.to_string()),
        "http" => Err(bad(
            "must use https; plain http is allowed only for loopback addresses (127.0.0.1, localhost, ::1)",
        )),
        _ => Err(bad("must start with https://")),
    }
}

/// Whether a checked base URL points at this machine (the sandbox, tests), where no rate limit applies.
pub fn is_loopback_url(url: &str) -> bool {
    let authority = url
        .split_once("://")
        .map_or("", |(_, rest)| rest.split('/').next().unwrap_or(""));
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    is_loopback(host)
}

fn is_port(text: &str) -> bool {
    text.parse::<u16>().is_ok()
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        let cases = [
            ("https://api.digitalocean.com", true),
            ("https://api.digitalocean.com/", true),
            ("http://127.0.0.1:8080", true),
            ("http://localhost:1", true),
            ("http://[::1]:9", true),
            ("http://api.digitalocean.com", false),
            ("http://10.0.0.1", false),
            ("ftp://x", false),
            ("api.digitalocean.com", false),
            ("https://user:pw@host", false),
            ("http://[::1", false),
            ("http://[::1]x", false),
            ("http://[zz]:1", false),
        ];
        for (url, ok) in cases {
            assert_eq!(check_base_url(url).is_ok(), ok, "{url}");
        }
    }

    #[test]
    fn encodes_query_values() {
        assert_eq!(encode("stagecraft:env:staging"), "stagecraft:env:staging");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }
}
