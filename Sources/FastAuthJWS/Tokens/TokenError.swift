/// Why a token was refused or could not be issued.
///
/// The ``code`` is stable and names the verification rule that failed; ``description`` never
/// contains the token, a key or a secret, so it is safe to log.
public struct TokenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, machine-readable reason.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `"expired"`.
        public let name: String
        /// The verification rule (docs/TOKENS.md) this code belongs to, if any.
        public let rule: Int?

        private init(_ name: String, rule: Int?) {
            self.name = name
            self.rule = rule
        }

        public var description: String { name }

        /// The header's algorithm is `none`, unknown, or not the configured one (rule 1).
        public static let algorithmNotAllowed = Code("algorithm_not_allowed", rule: 1)
        /// The header's algorithm is not the selected key's algorithm (rule 1).
        public static let algorithmMismatch = Code("algorithm_mismatch", rule: 1)
        /// No key has the header's `kid` (rule 2).
        public static let unknownKeyID = Code("unknown_kid", rule: 2)
        /// The token has no `kid` where one is required (rule 2).
        public static let missingKeyID = Code("missing_kid", rule: 2)
        /// The token has expired (rule 3).
        public static let expired = Code("expired", rule: 3)
        /// The token has no `exp` claim (rule 3).
        public static let missingExpiration = Code("missing_exp", rule: 3)
        /// The token's `nbf` is in the future (rule 3).
        public static let notYetValid = Code("not_yet_valid", rule: 3)
        /// The token's `iat` is in the future (rule 3).
        public static let issuedInFuture = Code("issued_in_future", rule: 3)
        /// The `iss` claim is missing or not the configured issuer (rule 4).
        public static let invalidIssuer = Code("invalid_issuer", rule: 4)
        /// The `aud` claim is missing or holds none of the configured audiences (rule 4).
        public static let invalidAudience = Code("invalid_audience", rule: 4)
        /// The token's `type` is not the one this use needs (rule 5).
        public static let wrongTokenType = Code("wrong_token_type", rule: 5)
        /// The header lists a critical parameter this verifier does not understand (rule 6).
        public static let unsupportedCriticalHeader = Code("unsupported_crit", rule: 6)
        /// The token is not a well-formed compact JWT (rule 7).
        public static let malformed = Code("malformed", rule: 7)
        /// The token is longer than the configured limit (rule 7).
        public static let oversized = Code("oversized", rule: 7)
        /// A required claim is missing or has the wrong JSON type (rule 7).
        public static let invalidClaims = Code("invalid_claims", rule: 7)
        /// The signature does not verify with the selected key.
        public static let invalidSignature = Code("invalid_signature", rule: nil)
        /// A `modifyJWT` hook changed or added a reserved claim (issuing).
        public static let reservedClaim = Code("reserved_claim", rule: nil)
        /// The claims cannot be serialised, or the key cannot sign (issuing).
        public static let signingFailed = Code("signing_failed", rule: nil)
    }

    /// The stable reason code.
    public let code: Code
    /// A human explanation. Never contains the token or key material.
    public let reason: String

    /// Creates an error with a code and an explanation.
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String {
        if let rule = code.rule {
            "\(reason) [\(code.name), verification rule \(rule)]"
        } else {
            "\(reason) [\(code.name)]"
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension TokenError {
    /// A short, log-safe rendering of an attacker-controlled string.
    package static func printable(_ value: String) -> String {
        let clipped = value.unicodeScalars.prefix(24).filter { $0.isASCII && $0.value >= 0x20 }
        return "\"" + String(String.UnicodeScalarView(clipped)) + (value.unicodeScalars.count > 24 ? "…\"" : "\"")
    }
}
