//! Query strings and path segments: splitting and percent-decoding, and encoding for links, on the
//! `percent-encoding` crate (already built for ureq).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Encoded in links: everything but RFC 3986's unreserved characters and `:`, which is kept so that tag
/// filters such as `stagecraft:env:staging` stay readable in `links.pages`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b':');

/// Splits and decodes `a=1&b=x%20y` (`+` means space, as in forms).
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

/// Decodes a query component: `+` is a space, as clients encoding forms send it.
fn form_decode(s: &str) -> String {
    // Pluses first, so that an encoded plus (`%2B`) still comes out as `+`.
    percent_decode(&s.replace('+', " "))
}

/// Percent-decodes a path segment (a `+` stays a `+`); invalid escapes are kept literally.
pub fn percent_decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Percent-encodes a query component for a link.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_round_trip() {
        for s in ["a b", "stagecraft:env:x", "ü/&=", "a+b"] {
            assert_eq!(percent_decode(&percent_encode(s)), s);
        }
        assert_eq!(percent_encode("stagecraft:env:a b"), "stagecraft:env:a%20b");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn plus_is_a_space_in_queries_only() {
        assert_eq!(
            parse_query("name=a+b%2Bc&x"),
            vec![("name".into(), "a b+c".into()), ("x".into(), String::new())]
        );
        assert_eq!(percent_decode("a+b"), "a+b");
    }
}
