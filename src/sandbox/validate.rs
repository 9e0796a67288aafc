//! Input rules from the spec: droplet names, tag names (patterns and length limits).

use std::sync::OnceLock;

use regex::Regex;

/// `models/droplet_single_create.yml`: pattern and maxLength 255.
const DROPLET_NAME_PATTERN: &str = r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$";
/// `tags/models/tags.yml`: pattern and maxLength 255.
const TAG_PATTERN: &str = r"^[a-zA-Z0-9_\-\:]+$";
const MAX_LEN: usize = 255;

fn droplet_name_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // A constant pattern: it compiles or every unit test fails, so expect() cannot fire on input.
    RE.get_or_init(|| Regex::new(DROPLET_NAME_PATTERN).expect("constant pattern compiles"))
}

fn tag_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(TAG_PATTERN).expect("constant pattern compiles"))
}

/// Checks a droplet name; the error is the user-facing 422 message.
pub fn droplet_name(name: &str) -> Result<(), String> {
    if name.len() > MAX_LEN {
        return Err(format!(
            "Droplet name {:?} is too long: at most {MAX_LEN} characters are allowed.",
            truncate(name)
        ));
    }
    if !droplet_name_re().is_match(name) {
        // Wording as the real API reports it (doctl issue 257), plus the offending name.
        return Err(format!(
            "Droplet name {name:?} is invalid: only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -), and it must end with a letter or digit."
        ));
    }
    Ok(())
}

/// Checks a tag name; the error is the user-facing 422 message.
pub fn tag_name(tag: &str) -> Result<(), String> {
    if tag.len() > MAX_LEN {
        return Err(format!(
            "Tag {:?} is too long: at most {MAX_LEN} characters are allowed.",
            truncate(tag)
        ));
    }
    if !tag_re().is_match(tag) {
        return Err(format!(
            "Tag {tag:?} is invalid: tags may contain only letters, numbers, colons, dashes and underscores."
        ));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect::<String>() + "…"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn droplet_names() {
        let long_ok = "a".repeat(255);
        let too_long = "a".repeat(256);
        let cases: &[(&str, bool)] = &[
            ("a", true),
            ("web-01", true),
            ("sub-01.example.com", true),
            ("staging-app-1", true),
            ("-a", true), // the optional first class lets a leading '-' through
            (".a", true),
            ("A1", true),
            ("a-", false),
            ("a.", false),
            ("a_b", false),
            ("web 01", false),
            ("", false),
            ("ünï", false),
            (long_ok.as_str(), true),
            (too_long.as_str(), false),
        ];
        for (name, ok) in cases {
            assert_eq!(droplet_name(name).is_ok(), *ok, "name {name:?}");
        }
    }

    #[test]
    fn tag_names() {
        let long_ok = "t".repeat(255);
        let too_long = "t".repeat(256);
        let cases: &[(&str, bool)] = &[
            ("stagecraft", true),
            ("stagecraft:env:staging", true),
            ("env_prod-1", true),
            ("PROD", true),
            ("a.b", false),
            ("a b", false),
            ("", false),
            ("здорово", false),
            (long_ok.as_str(), true),
            (too_long.as_str(), false),
        ];
        for (tag, ok) in cases {
            assert_eq!(tag_name(tag).is_ok(), *ok, "tag {tag:?}");
        }
    }
}
