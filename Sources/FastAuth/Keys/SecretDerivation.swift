public import Crypto

/// Keys derived from the configured secret with HKDF-SHA256, one per purpose, so that no key
/// is used for two things.
public enum SecretDerivation {
    private static let salt = Array("fastauth/v1".utf8)

    /// The HS256 key that signs refresh tokens. It is never published or shared.
    public static func refreshTokenKey(secret: some Collection<UInt8>) -> [UInt8] {
        derive(secret, info: "fastauth/refresh-token-signing/v1", count: 32)
    }

    /// The AES-256-GCM key that encrypts stored private keys at rest.
    public static func keyEncryptionKey(secret: some Collection<UInt8>) -> SymmetricKey {
        SymmetricKey(data: derive(secret, info: "fastauth/key-encryption/v1", count: 32))
    }

    /// A public, non-reversible id for a secret-based key: `prefix` + 12 base64url characters.
    public static func keyID(secret: some Collection<UInt8>, purpose: String, prefix: String) -> KeyID {
        KeyID(prefix + Base64URL.encode(derive(secret, info: "fastauth/key-id/\(purpose)/v1", count: 9)))
    }

    static func derive(_ secret: some Collection<UInt8>, info: String, count: Int) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(secret)), salt: salt, info: Array(info.utf8),
            outputByteCount: count)
        return key.withUnsafeBytes { Array($0) }
    }
}

extension SecretDerivation {
    /// The HMAC key that signs CSRF tokens in cookie delivery mode.
    public static func csrfKey(secret: some Collection<UInt8>) -> SymmetricKey {
        SymmetricKey(data: derive(secret, info: "fastauth/csrf/v1", count: 32))
    }
}
