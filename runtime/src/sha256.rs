//! SHA-256 (FIPS 180-4), the table artifact's content hash, from the
//! `sha2` crate: it uses the processor's SHA instructions where there are
//! some (x86-64 SHA-NI, ARMv8 SHA2), which this crate's safe code cannot,
//! and hashes a national table's body in about 3 ms instead of 17–28 ms.
//!
//! Imports: sha2.

use sha2::{Digest, Sha256};

/// The SHA-256 digest of `data`, as 64 lowercase hex digits.
pub fn hex_digest(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::hex_digest;

    #[test]
    fn known_digests() {
        assert_eq!(
            hex_digest(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex_digest(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex_digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
        );
        // Lengths around the block size: the tail and the padding.
        assert_eq!(
            hex_digest(&[b'a'; 64]),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"
        );
        assert_eq!(
            hex_digest(&[b'a'; 1000]),
            "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"
        );
    }
}
