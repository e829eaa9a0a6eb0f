/// The keys for one token type: the key that signs now and every key that may verify, by `kid`.
public struct KeySet: Sendable {
    /// The key new tokens are signed with; `nil` until one is loaded.
    public let signingKey: SigningKey?
    /// Every key that may verify, by `kid` (the signing key included).
    public let verificationKeys: [KeyID: SigningKey]
    /// The key for tokens that carry no `kid`. Only HMAC configurations set it: tokens from
    /// other services that share the secret (as in the Python original) have no `kid`.
    public let keylessKey: SigningKey?
    /// The same keys in the wire engine's form.
    package let jws: JWSKeys

    /// Creates a key set. The signing key is added to the verification keys.
    public init(signingKey: SigningKey?, verificationKeys: [SigningKey] = [], keylessKey: SigningKey? = nil) {
        self.signingKey = signingKey
        var keys: [KeyID: SigningKey] = [:]
        for key in verificationKeys { keys[key.id] = key }
        if let signingKey { keys[signingKey.id] = signingKey }
        self.verificationKeys = keys
        self.keylessKey = keylessKey
        self.jws = JWSKeys(
            signing: signingKey?.jws, verifying: verificationKeys.map(\.jws), keyless: keylessKey?.jws)
    }

    /// A set with no keys.
    public static let empty = KeySet(signingKey: nil)
}
