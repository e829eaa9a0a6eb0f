#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What can be said about a token: its decoded parts and, when keys are given, whether it
/// verifies and which rule failed. Backs `fastauth token inspect`.
public struct TokenInspection: Sendable {
    /// The decoded header, when the first segment decodes to JSON.
    public var header: JSONValue?
    /// The decoded claims, when the second segment decodes to JSON.
    public var claims: JSONValue?
    /// Why the token could not be decoded, if it could not.
    public var decodeProblem: String?
    /// The verification outcome; `nil` when no key was given.
    public var verification: Result<VerifiedToken, TokenError>?
}

/// Decodes and optionally verifies tokens for people: never trusts what it shows.
public enum TokenInspector {
    /// Decodes the header and claims without verifying anything.
    public static func decode(_ token: String) -> TokenInspection {
        var inspection = TokenInspection()
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            inspection.decodeProblem = "a compact JWT has three dot-separated segments, this one has \(parts.count)"
            return inspection
        }
        func json(_ part: Substring, _ name: String) -> JSONValue? {
            guard let bytes = Base64URL.decode(String(part)) else {
                inspection.decodeProblem = inspection.decodeProblem ?? "the \(name) is not valid base64url"
                return nil
            }
            do {
                return try JSONValue(parsing: bytes)
            } catch {
                inspection.decodeProblem = inspection.decodeProblem ?? "the \(name) is not valid JSON: \(error.reason)"
                return nil
            }
        }
        inspection.header = json(parts[0], "header")
        inspection.claims = json(parts[1], "claims")
        return inspection
    }

    /// Decodes `token` and verifies it against `keys` with `policy`, as a token of `type`
    /// (default: the type its own claims state).
    public static func inspect(
        _ token: String, keys: KeySet, policy: VerificationPolicy, type: TokenType? = nil, now: Date = Date()
    ) -> TokenInspection {
        var inspection = decode(token)
        let claimedType = inspection.claims?["type"]?.stringValue.map(TokenType.init(rawValue:)) ?? .access
        let verifier = TokenVerifier(policy: policy)
        do throws(TokenError) {
            inspection.verification = .success(
                try verifier.verify(token, as: type ?? claimedType, keys: keys, now: now))
        } catch {
            inspection.verification = .failure(error)
        }
        return inspection
    }
}
