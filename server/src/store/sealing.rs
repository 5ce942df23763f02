//! Sealing secrets at rest: XChaCha20-Poly1305 under `CONSOLE_SECRET_KEY`, so a copy of the
//! database (a leaked backup, a read-only SQL role) holds no usable ISC token.
//!
//! A sealed value is `version (1) ‖ key id (4) ‖ nonce (24) ‖ ciphertext+tag`. The key id only
//! tells which configured key sealed it (during a rotation), and reveals nothing usable about the
//! key. The nonce is random (192 bits: no counter to keep across replicas). The associated data names what the value is and which row it
//! belongs to, so a sealed value copied into another row or column does not open.

use std::path::Path;

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

const VERSION: u8 = 1;
const KEY_ID_LEN: usize = 4;
const NONCE_LEN: usize = 24;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// A 32-byte secret key. No `Debug` output of its bytes.
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &SecretKey) -> bool {
        self.id() == other.id() && self.0 == other.0
    }
}

impl SecretKey {
    /// Reads 32 bytes written in base64 (standard or URL-safe alphabet, padded or not).
    pub fn from_base64(text: &str) -> Result<SecretKey, String> {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let text = text.trim().trim_end_matches('=');
        let bytes = STANDARD_NO_PAD
            .decode(text)
            .or_else(|_| URL_SAFE_NO_PAD.decode(text))
            .map_err(|_| "is not base64 (make one with `openssl rand -base64 32`)".to_string())?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!(
                "must be 32 bytes in base64 (make one with `openssl rand -base64 32`); this is {} bytes",
                b.len()
            )
        })?;
        Ok(SecretKey(bytes))
    }

    pub fn generate() -> SecretKey {
        SecretKey(rand::random())
    }

    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Tells keys apart in sealed values without revealing anything usable about them: the
    /// first bytes of a value sealed under the key itself with a fixed nonce and no plaintext
    /// (its Poly1305 tag).
    fn id(&self) -> [u8; KEY_ID_LEN] {
        let tag = XChaCha20Poly1305::new((&self.0).into())
            .encrypt(
                XNonce::from_slice(&[0u8; NONCE_LEN]),
                Payload {
                    msg: b"",
                    aad: b"sync-groups-console key id",
                },
            )
            .unwrap_or_default();
        let mut id = [0u8; KEY_ID_LEN];
        for (slot, byte) in id.iter_mut().zip(tag) {
            *slot = byte;
        }
        id
    }
}

/// What a sealed value turned out to be.
pub struct Opened {
    pub plaintext: Vec<u8>,
    /// Sealed under the previous key: seal it again under the current one.
    pub stale: bool,
}

/// Why a sealed value did not open.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error(
        "sealed under a key the console does not have (CONSOLE_SECRET_KEY changed without CONSOLE_SECRET_KEY_PREVIOUS)"
    )]
    UnknownKey,
    #[error("the sealed value is damaged or belongs elsewhere")]
    Damaged,
}

/// The current key and, during a rotation, the previous one.
#[derive(Clone)]
pub struct Sealer {
    current: (SecretKey, XChaCha20Poly1305),
    previous: Option<(SecretKey, XChaCha20Poly1305)>,
}

impl Sealer {
    pub fn new(current: SecretKey, previous: Option<SecretKey>) -> Sealer {
        let cipher = |key: SecretKey| {
            let cipher = XChaCha20Poly1305::new((&key.0).into());
            (key, cipher)
        };
        Sealer {
            current: cipher(current),
            previous: previous.map(cipher),
        }
    }

    /// Seals `plaintext` as the value `what` (e.g. `tokens/<row id>/access`).
    pub fn seal(&self, what: &str, plaintext: &[u8]) -> Vec<u8> {
        let (key, cipher) = &self.current;
        let nonce: [u8; NONCE_LEN] = rand::random();
        // Encryption with a valid key and nonce length cannot fail (only decryption checks).
        let body = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: what.as_bytes(),
                },
            )
            .unwrap_or_default();
        let mut sealed = Vec::with_capacity(HEADER_LEN + body.len());
        sealed.push(VERSION);
        sealed.extend_from_slice(&key.id());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&body);
        sealed
    }

    /// Opens a value sealed as `what`.
    pub fn open(&self, what: &str, sealed: &[u8]) -> Result<Opened, OpenError> {
        if sealed.len() < HEADER_LEN || sealed[0] != VERSION {
            return Err(OpenError::Damaged);
        }
        let id = &sealed[1..1 + KEY_ID_LEN];
        let nonce = XNonce::from_slice(&sealed[1 + KEY_ID_LEN..HEADER_LEN]);
        let payload = Payload {
            msg: &sealed[HEADER_LEN..],
            aad: what.as_bytes(),
        };
        let (cipher, stale) = if id == self.current.0.id() {
            (&self.current.1, false)
        } else {
            match &self.previous {
                Some((key, cipher)) if id == key.id() => (cipher, true),
                _ => return Err(OpenError::UnknownKey),
            }
        };
        let plaintext = cipher
            .decrypt(nonce, payload)
            .map_err(|_| OpenError::Damaged)?;
        Ok(Opened { plaintext, stale })
    }

    /// Seals a UTF-8 string.
    pub fn seal_str(&self, what: &str, text: &str) -> Vec<u8> {
        self.seal(what, text.as_bytes())
    }

    /// Opens a sealed UTF-8 string; `(text, stale)`.
    pub fn open_str(&self, what: &str, sealed: &[u8]) -> Result<(String, bool), OpenError> {
        let opened = self.open(what, sealed)?;
        let text = String::from_utf8(opened.plaintext).map_err(|_| OpenError::Damaged)?;
        Ok((text, opened.stale))
    }
}

/// The key file of the embedded default (`CONSOLE_DATA_DIR/secret.key`, base64, owner-only).
pub const KEY_FILE: &str = "secret.key";

/// Reads the key file in `dir`, creating it (owner-only) with a fresh key when it is missing.
pub fn key_file(dir: &Path) -> Result<SecretKey, std::io::Error> {
    let path = dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => SecretKey::from_base64(&text).map_err(|problem| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: {problem}", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = SecretKey::generate();
            // create_new: two processes starting at once do not overwrite each other's key.
            match super::private::create_file(&path, format!("{}\n", key.to_base64()).as_bytes()) {
                Ok(()) => Ok(key),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => key_file(dir),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_value_opens_only_as_what_it_was_sealed_as() {
        let sealer = Sealer::new(SecretKey::generate(), None);
        let sealed = sealer.seal_str("tokens/a/access", "secret-token");
        assert!(
            !sealed
                .windows(b"secret-token".len())
                .any(|w| w == b"secret-token")
        );
        let (text, stale) = sealer.open_str("tokens/a/access", &sealed).expect("opens");
        assert_eq!((text.as_str(), stale), ("secret-token", false));
        assert_eq!(
            sealer.open_str("tokens/b/access", &sealed).err(),
            Some(OpenError::Damaged)
        );
        let mut flipped = sealed.clone();
        if let Some(last) = flipped.last_mut() {
            *last ^= 1;
        }
        assert_eq!(
            sealer.open_str("tokens/a/access", &flipped).err(),
            Some(OpenError::Damaged)
        );
    }

    #[test]
    fn the_previous_key_still_opens_and_says_so() {
        let old = SecretKey::generate();
        let sealed = Sealer::new(old.clone(), None).seal_str("x", "v");
        let rotated = Sealer::new(SecretKey::generate(), Some(old));
        let (text, stale) = rotated.open_str("x", &sealed).expect("opens");
        assert_eq!((text.as_str(), stale), ("v", true));
        let forgotten = Sealer::new(SecretKey::generate(), None);
        assert_eq!(
            forgotten.open_str("x", &sealed).err(),
            Some(OpenError::UnknownKey)
        );
    }

    #[test]
    fn keys_are_read_from_base64() {
        let key = SecretKey::generate();
        assert_eq!(
            SecretKey::from_base64(&key.to_base64()).expect("reads"),
            key
        );
        assert!(SecretKey::from_base64("c2hvcnQ=").is_err());
        assert!(SecretKey::from_base64("not base64!").is_err());
    }
}
