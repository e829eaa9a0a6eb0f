import Crypto
import FastAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What the caller keeps between ``OAuthClient/start(_:redirectURI:)`` and
/// ``OAuthClient/finish(_:code:flow:redirectURI:)``: store ``stateHash`` to find the flow, and
/// the verifier and nonce (server side, never in the browser).
public struct OAuthFlowValues: Sendable, Hashable {
    /// The `state` sent to the provider (32 random bytes, base64url). Store only its hash.
    public let state: String
    /// The PKCE code verifier (RFC 7636, 43 characters of base64url).
    public let codeVerifier: String
    /// The OIDC `nonce` (32 random bytes, base64url); `nil` for GitHub.
    public let nonce: String?

    /// Creates the values (from storage).
    public init(state: String, codeVerifier: String, nonce: String?) {
        self.state = state
        self.codeVerifier = codeVerifier
        self.nonce = nonce
    }

    /// ``state``'s SHA-256, lower-case hex: the form to store and look up.
    public var stateHash: String { Self.hash(state: state) }

    /// The S256 code challenge of ``codeVerifier``.
    public var codeChallenge: String { PKCE.challenge(for: codeVerifier) }

    /// The lower-case hex SHA-256 of a `state` as received on the callback.
    public static func hash(state: String) -> String { OneTimeToken.hash(state) }

    /// New random values; `nonce` only for OpenID Connect.
    public static func generate(withNonce: Bool) -> Self {
        Self(
            state: randomToken(), codeVerifier: PKCE.generateVerifier(), nonce: withNonce ? randomToken() : nil)
    }

    /// 32 random bytes, base64url (43 characters).
    static func randomToken() -> String { OneTimeToken.generate() }
}

/// The start of a flow: where to send the browser, and what to keep.
public struct OAuthFlowStart: Sendable, Hashable {
    /// The provider's authorization URL.
    public let url: URL
    /// What to store with the flow.
    public let values: OAuthFlowValues
}

/// RFC 7636 (Proof Key for Code Exchange), S256 only.
public enum PKCE {
    /// A verifier of 32 random bytes, base64url: 43 characters of the unreserved set.
    public static func generateVerifier() -> String { OAuthFlowValues.randomToken() }

    /// `BASE64URL(SHA256(ASCII(verifier)))`.
    public static func challenge(for verifier: String) -> String {
        Base64URL.encode(Array(SHA256.hash(data: Array(verifier.utf8))))
    }

    /// `true` when `verifier` is 43–128 characters of `[A-Za-z0-9-._~]` (RFC 7636 §4.1).
    public static func isValidVerifier(_ verifier: String) -> Bool {
        let bytes = Array(verifier.utf8)
        guard (43...128).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                true
            default: false
            }
        }
    }
}
