/// The keys for one token type: the key that signs now and every key that may verify, by `kid`.
///
/// Immutable and held in one shared object, so copying a key set (every token verification
/// reads one from the ``KeyRing``) costs one reference count.
public struct KeySet: Sendable {
    /// The key new tokens are signed with; `nil` until one is loaded.
    public var signingKey: SigningKey? { storage.signingKey }
    /// Every key that may verify, by `kid` (the signing key included).
    public var verificationKeys: [KeyID: SigningKey] { storage.verificationKeys }
    /// The key for tokens that carry no `kid`. Only HMAC configurations set it: tokens from
    /// other services that share the secret (as in the Python original) have no `kid`.
    public var keylessKey: SigningKey? { storage.keylessKey }
    /// The same keys in the wire engine's form.
    package var jws: JWSKeys { storage.jws }

    private let storage: Storage

    /// Creates a key set. The signing key is added to the verification keys.
    public init(signingKey: SigningKey?, verificationKeys: [SigningKey] = [], keylessKey: SigningKey? = nil) {
        var keys: [KeyID: SigningKey] = [:]
        for key in verificationKeys { keys[key.id] = key }
        if let signingKey { keys[signingKey.id] = signingKey }
        storage = Storage(
            signingKey: signingKey, verificationKeys: keys, keylessKey: keylessKey,
            jws: JWSKeys(signing: signingKey?.jws, verifying: verificationKeys.map(\.jws), keyless: keylessKey?.jws))
    }

    /// A set with no keys.
    public static let empty = KeySet(signingKey: nil)

    private final class Storage: Sendable {
        let signingKey: SigningKey?
        let verificationKeys: [KeyID: SigningKey]
        let keylessKey: SigningKey?
        let jws: JWSKeys

        init(signingKey: SigningKey?, verificationKeys: [KeyID: SigningKey], keylessKey: SigningKey?, jws: JWSKeys) {
            self.signingKey = signingKey
            self.verificationKeys = verificationKeys
            self.keylessKey = keylessKey
            self.jws = jws
        }
    }
}
