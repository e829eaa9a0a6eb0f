import Synchronization

/// The live keys of a FastAuth instance: access-token keys and refresh-token keys. Readers
/// take an immutable snapshot; rotation (managed mode) installs new access keys atomically.
public final class KeyRing: Sendable {
    /// An immutable view of the ring.
    public struct Snapshot: Sendable {
        /// Keys for access tokens.
        public var access: KeySet
        /// Keys for refresh tokens (HS256, derived from the secrets, never published).
        public var refresh: KeySet
    }

    private let state: Mutex<Snapshot>

    /// Creates a ring holding `access` and `refresh` keys.
    public init(access: KeySet, refresh: KeySet) {
        state = Mutex(Snapshot(access: access, refresh: refresh))
    }

    /// The keys a configuration implies without a store: HMAC keys from the secrets, or the
    /// PEM key. In managed mode (`jwksEnabled` without PEM) the access set starts empty until
    /// the store's keys are installed.
    public convenience init(config: FastAuthConfig) async throws(KeyError) {
        let algorithm = config.jwt.algorithm
        var refreshKeys: [SigningKey] = []
        for secret in [config.secret] + config.previousSecrets {
            let bytes = Array(secret.utf8)
            let material = try KeyMaterial.hmac(
                secret: SecretDerivation.refreshTokenKey(secret: bytes), algorithm: .hs256)
            let id = SecretDerivation.keyID(secret: bytes, purpose: "refresh", prefix: "rt-")
            refreshKeys.append(try SigningKey(material: material, id: id))
        }
        let refresh = KeySet(signingKey: refreshKeys.first, verificationKeys: refreshKeys)

        let access: KeySet
        if algorithm.isSymmetric {
            var keys: [SigningKey] = []
            for secret in [config.secret] + config.previousSecrets {
                let bytes = Array(secret.utf8)
                let material = try KeyMaterial.hmac(secret: bytes, algorithm: algorithm)
                let id = SecretDerivation.keyID(secret: bytes, purpose: "access", prefix: "hs-")
                keys.append(try SigningKey(material: material, id: id))
            }
            access = KeySet(signingKey: keys.first, verificationKeys: keys, keylessKey: keys.first)
        } else if let material = config.staticPrivateKey {
            access = KeySet(
                signingKey: try SigningKey(material: material, id: nil, rsaBackend: config.jwt.rsaSigningBackend))
        } else {
            access = .empty
        }
        self.init(access: access, refresh: refresh)
    }

    /// The current keys.
    public var snapshot: Snapshot { state.withLock { $0 } }

    /// Replaces the access-token keys (key rotation, store reload).
    public func installAccessKeys(_ keys: KeySet) {
        state.withLock { $0.access = keys }
    }
}
