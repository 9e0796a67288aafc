//! Deterministic UUID-shaped identifiers (request ids, VPC/firewall/database ids) derived with SHA-256.

use sha2::{Digest, Sha256};

/// A version-4-shaped UUID derived from a namespace and a counter, so the same seed gives the same ids.
pub fn uuid(namespace: &str, n: u64) -> String {
    let mut h = Sha256::new();
    h.update(namespace.as_bytes());
    h.update(n.to_le_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// 40 hex characters, the shape of account and owner uuids in the spec examples.
pub fn hex40(namespace: &str) -> String {
    let d = Sha256::digest(namespace.as_bytes());
    d.iter().take(20).map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape_and_determinism() {
        let a = uuid("vpc", 1);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert_eq!(a, uuid("vpc", 1));
        assert_ne!(a, uuid("vpc", 2));
        assert_eq!(hex40("x").len(), 40);
    }
}
