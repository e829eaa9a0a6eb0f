import FastAuth
import Foundation
import Testing

@testable import FastAuthOAuth

@Suite("flow values, PKCE and the ID token rules")
struct FlowTests {
    @Test("state, verifier and nonce: 32 random bytes, base64url; S256 challenge per RFC 7636")
    func values() {
        let a = OAuthFlowValues.generate(withNonce: true)
        let b = OAuthFlowValues.generate(withNonce: true)
        #expect(a.state.count == 43 && Base64URL.decode(a.state)?.count == 32)
        #expect(a.state != b.state && a.codeVerifier != b.codeVerifier && a.nonce != b.nonce)
        #expect(PKCE.isValidVerifier(a.codeVerifier))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 129)))
        #expect(!PKCE.isValidVerifier(String(repeating: "a", count: 42) + "+"))
        // RFC 7636 Appendix B.
        #expect(
            PKCE.challenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
                == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
        #expect(a.stateHash.count == 64 && a.stateHash == OAuthFlowValues.hash(state: a.state))
        #expect(OAuthFlowValues.generate(withNonce: false).nonce == nil)
    }

    static let base: [String: JSONValue] = [
        "iss": "https://op.example", "sub": "u1", "aud": "c1", "exp": 2_000_000_600, "iat": 2_000_000_000,
        "nonce": "n1",
    ]
    static let rules = IDTokenClaims.Rules(
        issuer: "https://op.example", clientID: "c1", nonce: "n1", now: Date(timeIntervalSince1970: 2_000_000_010),
        leeway: .seconds(30), maxAge: .seconds(600))

    static func check(_ changes: [String: JSONValue?]) throws(OAuthError) {
        var claims = base
        for (name, value) in changes { claims[name] = value }
        _ = try IDTokenClaims.check(JSONValue.object(claims).jsonBytes, rules)
    }

    @Test("the claim rules: iss, aud, azp, exp, iat, nbf, nonce")
    func claimRules() throws {
        try Self.check([:])
        try Self.check(["aud": ["c1", "c2"], "azp": "c1"])
        #expect(throws: OAuthError.self) { try Self.check(["iss": "https://other.example"]) }
        #expect(throws: OAuthError.self) { try Self.check(["aud": "c2"]) }
        #expect(throws: OAuthError.self) { try Self.check(["aud": ["c1", "c2"]]) }  // several audiences, no azp
        #expect(throws: OAuthError.self) { try Self.check(["aud": ["c1", "c2"], "azp": "c2"]) }
        #expect(throws: OAuthError.self) { try Self.check(["azp": "c2"]) }
        #expect(throws: OAuthError.self) { try Self.check(["exp": 1_999_999_979]) }
        try Self.check(["exp": 1_999_999_981])  // within the leeway
        #expect(throws: OAuthError.self) { try Self.check(["exp": nil]) }
        #expect(throws: OAuthError.self) { try Self.check(["iat": nil]) }
        #expect(throws: OAuthError.self) { try Self.check(["iat": 2_000_000_100]) }  // in the future
        #expect(throws: OAuthError.self) { try Self.check(["iat": 1_999_999_310]) }  // too old
        #expect(throws: OAuthError.self) { try Self.check(["nbf": 2_000_000_100]) }
        #expect(throws: OAuthError.self) { try Self.check(["nonce": "n2"]) }
        #expect(throws: OAuthError.self) { try Self.check(["nonce": nil]) }
        #expect(throws: OAuthError.self) { try Self.check(["sub": nil]) }
    }

    @Test("discovery documents: exact issuer, https endpoints except loopback, no none or HMAC")
    func metadataRules() throws {
        func doc(_ changes: [String: JSONValue?]) -> [UInt8] {
            var object: [String: JSONValue] = [
                "issuer": "https://op.example", "authorization_endpoint": "https://op.example/auth",
                "token_endpoint": "https://op.example/token", "jwks_uri": "https://op.example/jwks",
            ]
            for (name, value) in changes { object[name] = value }
            return JSONValue.object(object).jsonBytes
        }
        let parsed = try OIDCProviderMetadata.parse(doc([:]), expectedIssuer: "https://op.example")
        #expect(parsed.idTokenSigningAlgorithms == [.rs256])
        #expect(throws: OAuthError.self) {
            try OIDCProviderMetadata.parse(doc([:]), expectedIssuer: "https://op.example/")
        }
        #expect(throws: OAuthError.self) {
            try OIDCProviderMetadata.parse(
                doc(["token_endpoint": "http://op.example/token"]), expectedIssuer: "https://op.example")
        }
        _ = try OIDCProviderMetadata.parse(
            doc(["token_endpoint": "http://127.0.0.1:8080/token"]), expectedIssuer: "https://op.example")
        #expect(throws: OAuthError.self) {
            try OIDCProviderMetadata.parse(
                doc(["id_token_signing_alg_values_supported": ["none", "HS256"]]), expectedIssuer: "https://op.example")
        }
        let mixed = try OIDCProviderMetadata.parse(
            doc(["id_token_signing_alg_values_supported": ["none", "RS256", "ES256"]]),
            expectedIssuer: "https://op.example")
        #expect(mixed.idTokenSigningAlgorithms == [.rs256, .es256])
    }

    @Test("provider ids")
    func ids() {
        #expect(OAuthProvider.google(clientID: "a", clientSecret: "b").id == "google")
        #expect(OAuthProvider.github(clientID: "a", clientSecret: "b").id == "github")
        #expect(OAuthProvider.oidc(name: "Okta", issuer: "https://x", clientID: "a", clientSecret: "b").id == "okta")
        #expect(
            OAuthProvider.google(clientID: "a", clientSecret: "b").kind == .oidc(issuer: "https://accounts.google.com"))
    }
}
