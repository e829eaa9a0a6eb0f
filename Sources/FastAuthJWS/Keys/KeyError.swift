/// Why a key could not be loaded, generated or used.
public struct KeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The PEM or JWK could not be parsed as a key for the algorithm.
        public static let invalidKey = Code("invalid_key")
        /// The key is too weak (short RSA modulus, short HMAC secret, bad exponent, ROCA).
        public static let weakKey = Code("weak_key")
        /// The public key is not the public half of the private key.
        public static let keyMismatch = Code("key_mismatch")
        /// The algorithm is unknown or cannot be used with this kind of key.
        public static let unsupportedAlgorithm = Code("unsupported_algorithm")
        /// The key is marked for another purpose (`use`, `key_ops`).
        public static let wrongPurpose = Code("wrong_purpose")
        /// A key set is ambiguous (duplicate `kid`, symmetric and asymmetric keys mixed).
        public static let ambiguousKeySet = Code("ambiguous_key_set")
        /// The key cannot sign (it is a public key).
        public static let notAPrivateKey = Code("not_a_private_key")
    }

    public let code: Code
    /// A human explanation; never contains key material.
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.name)]" }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
