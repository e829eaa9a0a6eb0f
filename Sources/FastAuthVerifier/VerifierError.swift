public import FastAuth

/// Why a ``RemoteTokenVerifier`` refused a token or could not load the issuer's keys.
///
/// ``RemoteTokenVerifier/verify(_:)`` throws only two codes: ``Code/invalidToken`` (the ``tokenError`` says which
/// verification rule failed) and ``Code/keysUnavailable`` (no key set was ever loaded). The other
/// codes describe a failed fetch; they appear from ``RemoteTokenVerifier/refreshKeys()``, in
/// ``RemoteTokenVerifier/Status/lastFetchError`` and as the ``underlying`` error of
/// ``Code/keysUnavailable``. ``description`` never contains the token, so it is safe to log.
public struct VerifierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `"invalid_token"`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The token was refused; ``VerifierError/tokenError`` holds the reason.
        public static let invalidToken = Code("invalid_token")
        /// No key set could be loaded yet, so no token can be checked.
        public static let keysUnavailable = Code("keys_unavailable")
        /// The key set or metadata could not be fetched: transport error, timeout, a status
        /// other than 200/304, or a response over the size limit.
        public static let fetchFailed = Code("fetch_failed")
        /// The issuer answered with something that is not a usable JWKS.
        public static let invalidKeySet = Code("invalid_key_set")
        /// The RFC 8414 metadata document is unusable (not JSON, no `jwks_uri`, wrong issuer).
        public static let invalidMetadata = Code("invalid_metadata")
    }

    /// The stable reason code.
    public let code: Code
    /// A human explanation. Never contains the token or key material.
    public let reason: String
    /// The error underneath, if any: a ``FastAuth/TokenError`` for ``Code/invalidToken``, the
    /// last fetch error for ``Code/keysUnavailable``, a transport or parse error otherwise.
    public let underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ reason: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    /// For ``Code/invalidToken``: the verification rule the token broke.
    public var tokenError: TokenError? { underlying as? TokenError }

    public var description: String {
        guard let underlying else { return "\(reason) [\(code.name)]" }
        return "\(reason) [\(code.name)]: \(underlying)"
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    static func invalidToken(_ error: TokenError) -> Self {
        VerifierError(.invalidToken, "the token was refused", underlying: error)
    }
}
