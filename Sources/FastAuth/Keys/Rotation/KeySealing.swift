import Crypto

/// Encrypts managed private keys at rest: AES-256-GCM under a key derived from the secret,
/// with the key id as associated data (a sealed key cannot be moved to another row).
struct KeySealing: Sendable {
    private let current: SymmetricKey
    private let previous: [SymmetricKey]

    init(secret: String, previousSecrets: [String]) {
        current = SecretDerivation.keyEncryptionKey(secret: Array(secret.utf8))
        previous = previousSecrets.map { SecretDerivation.keyEncryptionKey(secret: Array($0.utf8)) }
    }

    func seal(_ pem: String, id: KeyID) throws -> [UInt8] {
        let box = try AES.GCM.seal(Array(pem.utf8), using: current, authenticating: Array(id.rawValue.utf8))
        guard let combined = box.combined else { throw KeyError(.invalidKey, "AES-GCM produced no combined form") }
        return Array(combined)
    }

    /// Opens a sealed key with the current secret, then each previous one. Returns the PEM and
    /// whether it was sealed under the current secret.
    func open(_ sealed: [UInt8], id: KeyID) throws(KeyError) -> (pem: String, current: Bool) {
        guard let box = try? AES.GCM.SealedBox(combined: sealed) else {
            throw KeyError(.invalidKey, "the stored key \(id) is not a sealed key")
        }
        for (index, key) in ([current] + previous).enumerated() {
            if let plain = try? AES.GCM.open(box, using: key, authenticating: Array(id.rawValue.utf8)) {
                return (String(decoding: plain, as: UTF8.self), index == 0)
            }
        }
        throw KeyError(
            .invalidKey, "the stored key \(id) cannot be decrypted with the secret or any previous secret")
    }
}
