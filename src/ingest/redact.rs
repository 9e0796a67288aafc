//! Keeping credentials out of what ingest shows or stores: URLs redacted, a URL's password scrubbed from
//! any text, and passwords cut out of API objects' JSON text.

use std::borrow::Cow;
use std::ops::Range;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// `scheme://user:secret@host/db?password=x` → `scheme://user:***@host/db?password=***`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => pair.to_string(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Removes `url` and its password from any text (a driver message, say), the password both as written
/// and percent-decoded.
pub fn scrub(url: &str, text: &str) -> String {
    let mut out = text.replace(url, &redact_url(url));
    if let Some(password) = url_password(url) {
        for form in [percent_decode(&password), password] {
            // Very short "passwords" would blank out ordinary words; they are not worth hiding there.
            if form.len() >= 3 {
                out = out.replace(&form, "***");
            }
        }
    }
    out
}

/// The password of a URL (userinfo or `password=` query parameter), as written.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if let Some((userinfo, _)) = authority.rsplit_once('@')
        && let Some((_, password)) = userinfo.split_once(':')
        && !password.is_empty()
    {
        return Some(password.to_string());
    }
    let query = rest.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k.eq_ignore_ascii_case("password") && !v.is_empty()).then(|| v.to_string())
    })
}

/// Percent-decodes a URL component; invalid escapes are kept literally.
pub(crate) fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// Whether an object's JSON text may hold a credential: a `password` key (in any letter case), a `uri`
/// key, or a `\u` escape that could spell either. One quick pass over the bytes lets the usual object
/// (a droplet, a firewall) keep its text untouched; [`redact_raw`] decides for the others.
pub(crate) fn may_hold_secrets(json: &str) -> bool {
    json.contains("\"uri\"") || json.contains("\\u") || contains_password(json.as_bytes())
}

/// Whether `password` appears in any letter case. Every object is scanned, so this is the hot path: a
/// chunk is first tested for a `w` (the word's least common letter in API objects) without branching,
/// which the compiler turns into vector instructions, and only such chunks are searched.
fn contains_password(hay: &[u8]) -> bool {
    const WORD: &[u8] = b"password";
    const ANCHOR: usize = 4; // WORD[ANCHOR] == b'w'
    const CHUNK: usize = 64;
    hay.chunks(CHUNK).enumerate().any(|(i, chunk)| {
        // Letters differ in case by bit 0x20 only.
        let ws = chunk
            .iter()
            .fold(0u8, |ws, &b| ws | u8::from(b | 0x20 == b'w'));
        ws != 0 && {
            let start = (i * CHUNK).saturating_sub(ANCHOR);
            let end = (i * CHUNK + chunk.len() + WORD.len() - ANCHOR).min(hay.len());
            hay[start..end]
                .windows(WORD.len())
                .any(|w| w.eq_ignore_ascii_case(WORD))
        }
    })
}

/// Database clusters carry their admin passwords (`connection.password`, `users[].password`, and inside
/// `connection.uri`). Credentials do not belong in an inventory table, so before an object is stored, at
/// any depth, the string value of a key named `password` (any case) becomes `"[redacted]"` and the
/// password inside the string value of a key `uri` becomes `***`. Only those values are rewritten: every
/// other byte stays as the API sent it, and an object with nothing to cut out is returned borrowed.
pub(crate) fn redact_raw(json: &str) -> Result<Cow<'_, str>, serde_json::Error> {
    let mut edits = Vec::new();
    find_secrets(json, serde_json::from_str(json)?, &mut edits)?;
    if edits.is_empty() {
        return Ok(Cow::Borrowed(json));
    }
    edits.sort_by_key(|(at, _)| at.start);
    let mut out = String::with_capacity(json.len());
    let mut done = 0;
    for (at, replacement) in edits {
        out.push_str(&json[done..at.start]);
        out.push_str(&replacement);
        done = at.end;
    }
    out.push_str(&json[done..]);
    Ok(Cow::Owned(out))
}

/// Collects `(byte range in base, replacement)` for every credential inside `value`, a slice of `base`.
fn find_secrets(
    base: &str,
    value: &RawValue,
    edits: &mut Vec<(Range<usize>, String)>,
) -> Result<(), serde_json::Error> {
    let text = value.get();
    match text.as_bytes().first() {
        Some(b'{') => {
            let Entries(entries) = serde_json::from_str(text)?;
            for (key, v) in entries {
                let is_string = v.get().starts_with('"');
                let at = || {
                    let start = v.get().as_ptr() as usize - base.as_ptr() as usize;
                    start..start + v.get().len()
                };
                if key.eq_ignore_ascii_case("password") && is_string {
                    edits.push((at(), "\"[redacted]\"".to_string()));
                } else if key == "uri" && is_string {
                    let uri: Cow<str> = serde_json::from_str(v.get())?;
                    let redacted = redact_url(&uri);
                    if redacted != uri {
                        edits.push((at(), serde_json::to_string(&redacted)?));
                    }
                } else {
                    find_secrets(base, v, edits)?;
                }
            }
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            for v in items {
                find_secrets(base, v, edits)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// An object's members in order, duplicates kept, each value as its text.
struct Entries<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_cut_out_at_any_depth_and_nothing_else_moves() {
        let json = r#"{ "name" : "db",
            "connection": {"uri": "postgres://doadmin:s3cret@h:25060/d?sslmode=require", "PassWord":"s3cret"},
            "users": [ {"password" : "s3cret", "n": 1}, {"password": null} ], "password_hint": "x",
            "pass\u0077ord": "s3cret", "uri": "https://example.com/no-secret" }"#;
        assert!(may_hold_secrets(json));
        let out = redact_raw(json).unwrap();
        assert!(!out.contains("s3cret"), "{out}");
        let expected = json
            .replace("doadmin:s3cret@", "doadmin:***@")
            .replace(r#""s3cret""#, r#""[redacted]""#);
        assert_eq!(
            out, expected,
            "only the values change, whitespace and order stay"
        );
        // The value of a non-string password is kept (nothing to hide there), as is an unchanged uri.
        assert!(out.contains(r#"{"password": null}"#) && out.contains("no-secret"));
    }

    #[test]
    fn objects_without_credentials_stay_borrowed() {
        let droplet =
            r#"{"id": 1, "name": "web", "networks": {"v4": []}, "tags": ["security", "uri-less"]}"#;
        assert!(!may_hold_secrets(droplet));
        let cut = r#"{"uri": "https://example.com/x", "ok": "yes"}"#;
        assert!(may_hold_secrets(cut));
        assert!(matches!(redact_raw(cut).unwrap(), Cow::Borrowed(_)));
        assert!(may_hold_secrets(r#"{"PASSWORD": 1}"#));
        // Found wherever it falls against the scan's chunks of 64 bytes.
        for at in 0..140 {
            let text = format!("{}pAssWord{}", "x".repeat(at), "y".repeat(140 - at));
            assert!(contains_password(text.as_bytes()), "at {at}");
            assert!(
                !contains_password(text.replace("W", "V").as_bytes()),
                "at {at}"
            );
        }
    }
}
