import JWTKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What a verifier demands of a token beyond a good signature.
public struct VerificationPolicy: Sendable, Hashable {
    /// Algorithms a token may use; anything else (and always `none`) is refused.
    public var allowedAlgorithms: Set<SigningAlgorithm>
    /// The required `iss`, if any.
    public var issuer: String?
    /// Accepted audiences: a token's `aud` must hold at least one. Empty means unchecked.
    public var audience: [String]
    /// Clock skew allowed on `exp`, `nbf` and `iat`.
    public var leeway: Duration
    /// Longer tokens are refused before any parsing.
    public var maxTokenBytes: Int

    /// Creates a policy.
    public init(
        allowedAlgorithms: Set<SigningAlgorithm>, issuer: String? = nil, audience: [String] = [],
        leeway: Duration = .seconds(30), maxTokenBytes: Int = 8192
    ) {
        self.allowedAlgorithms = allowedAlgorithms
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.maxTokenBytes = maxTokenBytes
    }
}

/// A token that passed every check.
public struct VerifiedToken: Sendable, Hashable {
    /// Its header.
    public let header: TokenHeader
    /// Its claims.
    public let claims: TokenClaims
    /// The key that verified it.
    public let keyID: KeyID
}

/// Verifies compact JWTs: every verification rule, in an order that refuses malformed input
/// before any cryptography. Never traps, whatever the input.
public struct TokenVerifier: Sendable {
    /// The checks applied.
    public let policy: VerificationPolicy

    /// Creates a verifier.
    public init(policy: VerificationPolicy) {
        self.policy = policy
    }

    /// Verifies `token` as a token of `type` against `keys` at `now`.
    public func verify(_ token: String, as type: TokenType, keys: KeySet, now: Date) throws(TokenError) -> VerifiedToken
    {
        var token = token
        token.makeContiguousUTF8()  // a no-op for native strings
        return try verify(token.utf8.span, as: type, keys: keys, now: now)
    }

    /// Verifies the UTF-8 bytes of a token.
    public func verify(
        _ token: UnsafeBufferPointer<UInt8>, as type: TokenType, keys: KeySet, now: Date
    ) throws(TokenError) -> VerifiedToken {
        try verify(token.span, as: type, keys: keys, now: now)
    }

    /// Verifies the UTF-8 bytes of a token.
    public func verify(
        _ token: Span<UInt8>, as type: TokenType, keys: KeySet, now: Date
    ) throws(TokenError) -> VerifiedToken {
        // Rule 7 (shape), rule 1 (alg none), rule 6 (crit), rules 1–2 (key), rule 7 (claims),
        // then the signature: no cryptography before the input is known to be well-formed.
        let (header, claims, keyID) = try FastJWSEngine.verifyClaims(
            token, keys: keys.jws, allowedAlgorithms: policy.allowedAlgorithms, maxBytes: policy.maxTokenBytes)
        try check(claims, as: type, now: now)
        return VerifiedToken(header: header, claims: claims, keyID: keyID)
    }

    /// Rules 3–5 on verified claims.
    package func check(_ claims: TokenClaims, as type: TokenType, now: Date) throws(TokenError) {
        let now = now.unixSeconds
        let leeway = policy.leeway.wholeSeconds
        // Rule 3: exp (required), nbf, iat, each with leeway.
        guard now < claims.expiresAt.addingReportingOverflow(leeway).partialValue else {
            throw TokenError(.expired, "the token has expired")
        }
        if let notBefore = claims.notBefore, now.addingReportingOverflow(leeway).partialValue < notBefore {
            throw TokenError(.notYetValid, "the token is not valid yet (nbf)")
        }
        if let issuedAt = claims.issuedAt, issuedAt > now.addingReportingOverflow(leeway).partialValue {
            throw TokenError(.issuedInFuture, "the token was issued in the future (iat)")
        }
        // Rule 4: iss and aud when configured.
        if let issuer = policy.issuer, claims.issuer != issuer {
            throw TokenError(.invalidIssuer, "the token's issuer is not \(issuer)")
        }
        if !policy.audience.isEmpty {
            guard let audience = claims.audience, audience.contains(where: policy.audience.contains) else {
                throw TokenError(.invalidAudience, "the token is not for this audience")
            }
        }
        // Rule 5: the token type must match the use.
        guard claims.type == type else {
            throw TokenError(.wrongTokenType, "expected a \(type) token, got \(Self.printable(claims.type.rawValue))")
        }
    }

    /// A short, log-safe rendering of an attacker-controlled string.
    static func printable(_ value: String) -> String { TokenError.printable(value) }

    /// Verifies a compact JWS whose payload is not a JWT claim set (conformance vectors,
    /// tooling): the structural checks, key selection by `kid` and the algorithm pinned to the
    /// key, then the signature. Returns the header, the payload and the key id.
    public static func verifyJWS(
        _ token: String, keys: KeySet, allowedAlgorithms: Set<SigningAlgorithm>? = nil, maxTokenBytes: Int = 8192
    ) throws(TokenError) -> (header: TokenHeader, payload: [UInt8], keyID: KeyID) {
        let verified = try FastJWSEngine(keys: keys.jws, maxTokenBytes: maxTokenBytes)
            .verify(token, allowedAlgorithms: allowedAlgorithms)
        return (verified.header, verified.payload, verified.keyID)
    }
}
