import Crypto

/// Encrypts secrets at rest — managed private keys, and outbox mail bodies (which carry
/// one-time links): AES-256-GCM under a key derived from the secret, with the row's id as
/// associated data, so a sealed value cannot be moved to another row.
struct KeySealing: Sendable {
    private let current: SymmetricKey
    private let previous: [SymmetricKey]

    init(secret: String, previousSecrets: [String]) {
        current = SecretDerivation.keyEncryptionKey(secret: Array(secret.utf8))
        previous = previousSecrets.map { SecretDerivation.keyEncryptionKey(secret: Array($0.utf8)) }
    }

    /// Seals `plaintext` bound to `associatedData`.
    func seal(_ plaintext: [UInt8], associatedData: [UInt8]) throws -> [UInt8] {
        let box = try AES.GCM.seal(plaintext, using: current, authenticating: associatedData)
        guard let combined = box.combined else { throw KeyError(.invalidKey, "AES-GCM produced no combined form") }
        return Array(combined)
    }

    /// Opens a sealed value with the current secret, then each previous one: the plaintext and
    /// whether it was sealed under the current secret; `nil` when no secret opens it.
    func open(_ sealed: [UInt8], associatedData: [UInt8]) -> (plaintext: [UInt8], current: Bool)? {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else { return nil }
        for (index, key) in ([current] + previous).enumerated() {
            if let plain = try? AES.GCM.open(box, using: key, authenticating: associatedData) {
                return (Array(plain), index == 0)
            }
        }
        return nil
    }

    func seal(_ pem: String, id: KeyID) throws -> [UInt8] {
        try seal(Array(pem.utf8), associatedData: Array(id.rawValue.utf8))
    }

    /// Opens a sealed key with the current secret, then each previous one. Returns the PEM and
    /// whether it was sealed under the current secret.
    func open(_ sealed: [UInt8], id: KeyID) throws(KeyError) -> (pem: String, current: Bool) {
        guard (try? AES.GCM.SealedBox(combined: sealed)) != nil else {
            throw KeyError(.invalidKey, "the stored key \(id) is not a sealed key")
        }
        guard let opened = open(sealed, associatedData: Array(id.rawValue.utf8)) else {
            throw KeyError(
                .invalidKey, "the stored key \(id) cannot be decrypted with the secret or any previous secret")
        }
        return (String(decoding: opened.plaintext, as: UTF8.self), opened.current)
    }
}
