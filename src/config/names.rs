//! What DigitalOcean accepts as a name, a tag or an id, and which tags are stagecraft's alone.

use std::sync::LazyLock;

use regex::Regex;

/// DigitalOcean's droplet name pattern (docs/api-contract.md), at most 255 characters.
static DROPLET_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9]?[a-z0-9A-Z.\-]*[a-z0-9A-Z]$").expect("valid regex"));
/// DigitalOcean's tag pattern, at most 255 characters.
static TAG: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9_\-:]+$").expect("valid regex"));

pub fn is_valid_droplet_name(name: &str) -> bool {
    // The pattern's optional first class would let `-a` through; the real API refuses a leading `-` or `.`.
    name.len() <= 255 && DROPLET_NAME.is_match(name) && !name.starts_with(['-', '.'])
}

pub fn is_valid_tag(tag: &str) -> bool {
    tag.len() <= 255 && TAG.is_match(tag)
}

/// Why a user's tag cannot be used, if it cannot: invalid for the API, or in stagecraft's namespace
/// (`stagecraft` and `stagecraft:...` tags decide which droplets stagecraft owns and may delete).
pub fn user_tag_problem(tag: &str) -> Option<String> {
    if tag.to_ascii_lowercase().starts_with("stagecraft") {
        return Some(format!(
            "tag `{tag}` is in stagecraft's own namespace (tags starting with `stagecraft` decide which droplets it owns and may delete); choose another name"
        ));
    }
    (!is_valid_tag(tag)).then(|| {
        format!(
            "tag `{tag}` is not a valid DigitalOcean tag (letters, digits, `_`, `-`, `:`; at most 255 characters)"
        )
    })
}

static UUID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
        .expect("valid regex")
});

/// VPC ids are UUIDs.
pub fn is_uuid(text: &str) -> bool {
    UUID.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn droplet_names() {
        let cases = [
            ("a", true),
            ("web-01", true),
            ("sub-01.example.com", true),
            ("staging-app-1", true),
            ("a-", false),
            ("a.", false),
            ("a_b", false),
            ("web 01", false),
            ("", false),
            ("-a", false),
            (".a", false),
            ("App-1", true),
        ];
        for (name, ok) in cases {
            assert_eq!(is_valid_droplet_name(name), ok, "{name:?}");
        }
        assert!(!is_valid_droplet_name(&"a".repeat(256)));
        assert!(is_valid_droplet_name(&"a".repeat(255)));
    }

    #[test]
    fn tags() {
        for (tag, ok) in [
            ("env:prod", true),
            ("stagecraft:role:app", true),
            ("a_b-c", true),
            ("a b", false),
            ("a.b", false),
            ("здорово", false),
            ("", false),
        ] {
            assert_eq!(is_valid_tag(tag), ok, "{tag:?}");
        }
    }

    #[test]
    fn user_tags_and_uuids() {
        for (tag, ok) in [
            ("team-a", true),
            ("stagecraft:env:prod", false),
            ("Stagecraft-x", false),
            ("a b", false),
        ] {
            assert_eq!(user_tag_problem(tag).is_none(), ok, "{tag}");
        }
        assert!(is_uuid("0062976c-97f7-47d2-b2f5-832500ba3cc3"));
        assert!(!is_uuid("vpc-default"));
    }
}
