#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where a managed key is in its life: published before it signs, signing, then
/// published for verification only until every token it signed has expired.
public enum KeyState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Published in the JWKS, not signing yet.
    case next
    /// Signing new access tokens (and published).
    case current
    /// Published for verification only.
    case retired
}

/// A managed signing key as the store keeps it: the public JWK in the clear, the private key
/// sealed with AES-GCM under a key derived from the secret.
public struct StoredSigningKey: Sendable, Hashable {
    public var id: KeyID
    public var algorithm: SigningAlgorithm
    public var state: KeyState
    public var createdAt: Date
    public var activatedAt: Date?
    public var retiredAt: Date?
    /// The public JWK as JSON text.
    public var publicJWK: String
    /// The PKCS#8/SEC1 PEM private key, sealed (AES-GCM combined form: nonce ‖ ciphertext ‖ tag).
    public var sealedPrivateKey: [UInt8]

    public init(
        id: KeyID, algorithm: SigningAlgorithm, state: KeyState, createdAt: Date, activatedAt: Date? = nil,
        retiredAt: Date? = nil, publicJWK: String, sealedPrivateKey: [UInt8]
    ) {
        self.id = id
        self.algorithm = algorithm
        self.state = state
        self.createdAt = createdAt
        self.activatedAt = activatedAt
        self.retiredAt = retiredAt
        self.publicJWK = publicJWK
        self.sealedPrivateKey = sealedPrivateKey
    }
}

/// Managed signing keys, shared by every instance. Every change is a compare-and-set, so any
/// number of instances acting at once make exactly one transition; at most one key is `next`
/// and at most one `current` at any moment.
public protocol SigningKeyStore: Sendable {
    /// Every stored key.
    func signingKeys() async throws -> [StoredSigningKey]
    /// Inserts `key`; `false` (and no change) when its state is `next` or `current` and another
    /// key already has that state, or the id exists.
    func insertSigningKey(_ key: StoredSigningKey) async throws -> Bool
    /// Atomically makes `next` current and `current` (if given) retired, at `now`; `false` (and
    /// no change) unless both keys are still in those states.
    func promoteSigningKey(next: KeyID, current: KeyID?, now: Date) async throws -> Bool
    /// Atomically retires `id` if it is in state `from`; `false` otherwise.
    func retireSigningKey(_ id: KeyID, from: KeyState, now: Date) async throws -> Bool
    /// Deletes `id` if it is retired; `false` otherwise.
    func deleteRetiredSigningKey(_ id: KeyID) async throws -> Bool
    /// Replaces the sealed private key of `id` (re-encryption under a new secret).
    func resealSigningKey(_ id: KeyID, sealedPrivateKey: [UInt8]) async throws
}
