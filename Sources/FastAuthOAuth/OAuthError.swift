/// Why a social sign-in failed. ``description`` is safe to show and log: it never contains a
/// provider's response body, a code, a token or a secret (those are logged, truncated, at most).
public struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `"exchange_failed"`.
        public let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The provider could not be reached, timed out, or answered with something unusable
        /// (discovery, keys, user API).
        public static let providerUnavailable = Code("provider_unavailable")
        /// The provider's discovery document is unusable (wrong issuer, non-https endpoints…).
        public static let invalidProviderMetadata = Code("invalid_provider_metadata")
        /// The token endpoint refused the code (bad code, PKCE mismatch, bad client credentials).
        public static let exchangeFailed = Code("exchange_failed")
        /// The ID token was refused (signature, issuer, audience, expiry, nonce, `azp`…).
        public static let invalidIDToken = Code("invalid_id_token")
        /// The provider gave no verified email where one is required.
        public static let emailUnverified = Code("email_unverified")
        /// The flow's values are unusable (e.g. an OIDC flow without a nonce), or the caller's
        /// input (redirect URI, code) is malformed.
        public static let invalidRequest = Code("invalid_request")
    }

    /// The stable reason code.
    public let code: Code
    /// A safe, human explanation.
    public let reason: String

    /// Creates an error.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(reason) [\(code.name)]" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}
