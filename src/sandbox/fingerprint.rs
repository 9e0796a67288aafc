//! SSH public-key fingerprints as DigitalOcean shows them: MD5 of the key blob, colon-separated hex.
//!
//! MD5 and base64 come from `md-5` and `base64`, which the PostgreSQL driver already builds.

use base64::Engine;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use md5::{Digest, Md5};

/// Standard alphabet; `=` padding optional, since keys are pasted by hand and DigitalOcean takes both.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// `ssh-ed25519 AAAA... comment` → `aa:bb:...` (16 bytes). If the blob is not valid base64, the MD5 of
/// the whole trimmed key text is used instead, so every key still gets a stable, well-shaped fingerprint.
pub fn ssh_fingerprint(public_key: &str) -> String {
    let blob = public_key
        .split_whitespace()
        .nth(1)
        .and_then(base64_decode)
        .unwrap_or_else(|| public_key.trim().as_bytes().to_vec());
    Md5::digest(&blob)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// Standard base64 (with or without padding); None when it is not base64.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    BASE64.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_with_or_without_padding() {
        let cases: &[(&str, Option<&str>)] = &[
            ("", Some("")),
            ("Zg==", Some("f")),
            ("Zg", Some("f")),
            ("Zm8=", Some("fo")),
            ("Zm9vYmFy", Some("foobar")),
            ("Zm9v!", None),
            ("Z", None),
        ];
        for (input, want) in cases {
            let got = base64_decode(input).map(|v| String::from_utf8(v).unwrap_or_default());
            assert_eq!(got.as_deref(), *want, "{input:?}");
        }
    }

    #[test]
    fn fingerprint_of_blob_not_text() {
        // MD5 of bytes "foobar" since the blob is base64("foobar").
        assert_eq!(
            ssh_fingerprint("ssh-ed25519 Zm9vYmFy me@host"),
            "38:58:f6:22:30:ac:3c:91:5f:30:0c:66:43:12:c6:3f"
        );
        // Not base64: the MD5 of the text itself (RFC 1321's vector for "abc").
        assert_eq!(
            ssh_fingerprint("abc"),
            "90:01:50:98:3c:d2:4f:b0:d6:96:3f:7d:28:e1:7f:72"
        );
    }
}
