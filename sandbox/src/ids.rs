//! Random identifiers in ISC's shapes.

use std::fmt::Write as _;

/// 32 lowercase hex characters (ISC object ids, tracking ids, request ids).
pub(crate) fn hex32() -> String {
    hex(&rand::random::<[u8; 16]>())
}

/// A dashed random (v4) UUID, as ISC uses for sync group ids.
pub(crate) fn uuid_v4() -> String {
    uuid::Builder::from_random_bytes(rand::random::<[u8; 16]>())
        .into_uuid()
        .to_string()
}

/// An opaque secret of 32 random bytes (authorization codes, refresh tokens).
pub(crate) fn secret() -> String {
    hex(&rand::random::<[u8; 32]>())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// True for 32 lowercase hex characters.
pub(crate) fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        assert!(is_hex32(&hex32()));
        assert_ne!(hex32(), hex32());
        let id = uuid_v4();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_eq!(secret().len(), 64);
    }
}
