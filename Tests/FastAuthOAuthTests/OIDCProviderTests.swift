import FastAuth
import FastAuthTesting
import Foundation
import NIOHTTP1
import Testing

@testable import FastAuthOAuth

/// Against a real OpenID Connect provider: oidc-provider-mock (PyPI, Authlib-based) run by
/// Tests/E2E/oidc_provider.py on 127.0.0.1, its authorization step driven over HTTP.
@Suite("OpenID Connect against oidc-provider-mock", .enabled(if: OIDCMock.enabled, OIDCMock.skipMessage))
struct OIDCProviderTests {
    static let redirectURI = "http://127.0.0.1:9/auth/oauth/mock/callback"
    static let alice =
        #"{"sub":"alice-42","email":"alice@example.com","email_verified":true,"name":"Alice","picture":"https://example.com/a.png"}"#

    /// A provider with `alice-42`, the given token lifetime.
    static func provider(tokenMaxAge: Int = 3600) async throws -> ScriptServer {
        try OIDCMock.require()
        return try await ScriptServer.start(
            "oidc_provider.py", ["--token-max-age", String(tokenMaxAge), "--user-claims", alice])
    }

    static func oidc(_ server: ScriptServer, clientID: String = "client-a", issuer: String? = nil) -> OAuthProvider {
        .oidc(name: "Mock", issuer: issuer ?? server.base, clientID: clientID, clientSecret: "secret-\(clientID)")
    }

    /// The provider's authorization step without a browser: POST the authorization URL with the
    /// subject to sign in; the 302 carries `code` and `state`.
    static func authorize(_ start: OAuthFlowStart, subject: String = "alice-42") async throws -> String {
        let response = try await TestHTTP.send(.POST, start.url.absoluteString, form: "sub=\(subject)")
        #expect(response.status == 302, "\(String(decoding: response.body, as: UTF8.self))")
        let location = try #require(response.headers.first(name: "Location"))
        #expect(location.hasPrefix(redirectURI + "?"))
        let query = TestHTTP.query(location)
        #expect(query["state"] == start.values.state)
        return try #require(query["code"])
    }

    /// The token endpoint called by hand, to hold the raw ID token for the attack tests.
    static func rawIDToken(
        _ server: ScriptServer, _ start: OAuthFlowStart, clientID: String = "client-a"
    ) async throws
        -> String
    {
        let code = try await authorize(start)
        let form = OAuthHTTP.formEncode([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", clientID), ("client_secret", "secret-\(clientID)"),
            ("code_verifier", start.values.codeVerifier),
        ])
        let response = try await TestHTTP.send(.POST, server.base + "/oauth2/token", form: form)
        return try #require(
            response.json?["id_token"]?.stringValue, "\(String(decoding: response.body, as: UTF8.self))")
    }

    @Test("discovery: the document is fetched, validated and cached")
    func discovery() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        let metadata = try await client.metadata(issuer: server.base)
        #expect(metadata.issuer == server.base)
        #expect(metadata.authorizationEndpoint.absoluteString == server.base + "/oauth2/authorize")
        #expect(metadata.tokenEndpoint.absoluteString == server.base + "/oauth2/token")
        #expect(metadata.jwksURI.absoluteString == server.base + "/jwks")
        #expect(metadata.idTokenSigningAlgorithms == [.rs256])
        server.stop()
        #expect(try await client.metadata(issuer: server.base) == metadata, "served from the cache")
    }

    @Test("sign-in: authorization URL, the provider's authorize step, exchange, verified ID token")
    func signIn() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        let provider = Self.oidc(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let query = TestHTTP.query(start.url.absoluteString)
        #expect(start.url.absoluteString.hasPrefix(server.base + "/oauth2/authorize?"))
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "client-a")
        #expect(query["redirect_uri"] == Self.redirectURI)
        #expect(query["scope"] == "openid email profile")
        #expect(query["state"] == start.values.state)
        #expect(query["nonce"] == start.values.nonce)
        #expect(query["code_challenge"] == PKCE.challenge(for: start.values.codeVerifier))
        #expect(query["code_challenge_method"] == "S256")

        let code = try await Self.authorize(start)
        let identity = try await client.finish(provider, code: code, flow: start.values, redirectURI: Self.redirectURI)
        #expect(identity.provider == "mock")
        #expect(identity.subject == "alice-42")
        #expect(identity.issuer == server.base)
        #expect(identity.email == "alice@example.com")
        #expect(identity.emailVerified)
        #expect(identity.name == "Alice")
        #expect(try identity.requireVerifiedEmail() == "alice@example.com")
    }

    @Test("an ID token is refused with another flow's nonce (and accepted with its own)")
    func wrongNonce() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        let provider = Self.oidc(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let token = try await Self.rawIDToken(server, start)
        let nonce = try #require(start.values.nonce)
        _ = try await client.verifyIDToken(token, provider: provider, nonce: nonce)
        let error = await #expect(throws: OAuthError.self) {
            try await client.verifyIDToken(token, provider: provider, nonce: OAuthFlowValues.randomToken())
        }
        #expect(error?.code == .invalidIDToken)
        #expect(error?.reason.contains("nonce") == true)
        // Through finish too: a flow whose nonce differs.
        let second = try await client.start(provider, redirectURI: Self.redirectURI)
        let code = try await Self.authorize(second)
        let forged = OAuthFlowValues(
            state: second.values.state, codeVerifier: second.values.codeVerifier, nonce: OAuthFlowValues.randomToken())
        await #expect(throws: OAuthError.self) {
            try await client.finish(provider, code: code, flow: forged, redirectURI: Self.redirectURI)
        }
    }

    @Test("an ID token issued to another client is refused")
    func otherAudience() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        let other = Self.oidc(server, clientID: "client-b")
        let start = try await client.start(other, redirectURI: Self.redirectURI)
        let token = try await Self.rawIDToken(server, start, clientID: "client-b")
        let nonce = try #require(start.values.nonce)
        _ = try await client.verifyIDToken(token, provider: other, nonce: nonce)
        let error = await #expect(throws: OAuthError.self) {
            try await client.verifyIDToken(token, provider: Self.oidc(server), nonce: nonce)
        }
        #expect(error?.code == .invalidIDToken)
        #expect(error?.reason.contains("another client") == true)
    }

    @Test("an expired ID token is refused once exp plus the leeway has passed")
    func expired() async throws {
        let server = try await Self.provider(tokenMaxAge: 60)
        defer { server.stop() }
        let clock = ManualClock(Date())
        var configuration = OAuthClient.Configuration()
        configuration.clock = clock
        configuration.leeway = .seconds(30)
        let client = OAuthClient(configuration: configuration)
        let provider = Self.oidc(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let token = try await Self.rawIDToken(server, start)
        let nonce = try #require(start.values.nonce)
        clock.advance(by: .seconds(60))  // past exp, within the leeway
        _ = try await client.verifyIDToken(token, provider: provider, nonce: nonce)
        clock.advance(by: .seconds(40))
        let error = await #expect(throws: OAuthError.self) {
            try await client.verifyIDToken(token, provider: provider, nonce: nonce)
        }
        #expect(error?.code == .invalidIDToken)
        #expect(error?.reason.contains("expired") == true)
    }

    @Test("a token signed by a key the provider does not publish, or with alg none, is refused")
    func foreignKeyAndNone() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        let provider = Self.oidc(server)
        let nonce = "n-\(UUID().uuidString)"
        let now = Int64(Date().timeIntervalSince1970)
        let claims: JSONValue = [
            "iss": .string(server.base), "sub": "alice-42", "aud": "client-a", "exp": .int(now + 600),
            "iat": .int(now), "nonce": .string(nonce), "email": "alice@example.com", "email_verified": true,
        ]
        for kid in ["attacker-key", nil] as [String?] {
            let key = try SigningKey(material: .generate(algorithm: .rs256), id: kid.map { KeyID($0) })
            let forged = try IDTokenForge.sign(claims, key: key, kid: kid)
            let error = await #expect(throws: OAuthError.self) {
                try await client.verifyIDToken(forged, provider: provider, nonce: nonce)
            }
            #expect(error?.code == .invalidIDToken)
        }
        let unsigned = IDTokenForge.unsigned(claims)
        let error = await #expect(throws: OAuthError.self) {
            try await client.verifyIDToken(unsigned, provider: provider, nonce: nonce)
        }
        #expect(error?.code == .invalidIDToken)
    }

    @Test("a discovery document naming another issuer is refused")
    func issuerMismatch() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        // The configured issuer has a trailing slash; the document says it without one.
        let provider = Self.oidc(server, issuer: server.base + "/")
        let error = await #expect(throws: OAuthError.self) {
            try await client.start(provider, redirectURI: Self.redirectURI)
        }
        #expect(error?.code == .invalidProviderMetadata)
    }

    @Test("a refused code is exchangeFailed, and the provider's error body is not in the error")
    func errorBodyNotEchoed() async throws {
        let server = try await Self.provider()
        defer { server.stop() }
        let client = OAuthClient()
        let provider = Self.oidc(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let error = await #expect(throws: OAuthError.self) {
            try await client.finish(provider, code: "not-a-code", flow: start.values, redirectURI: Self.redirectURI)
        }
        #expect(error?.code == .exchangeFailed)
        let text = error.map { "\($0)" } ?? ""
        #expect(!text.contains("invalid_grant"))
        #expect(!text.contains("Invalid 'code'"))
    }
}

/// ID tokens made by the test itself, for the negative cases.
enum IDTokenForge {
    static func sign(_ claims: JSONValue, key: SigningKey, kid: String?) throws -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT"]
        if let kid { header["kid"] = .string(kid) }
        let input = Base64URL.encode(JSONValue.object(header).jsonBytes) + "." + Base64URL.encode(claims.jsonBytes)
        let signature = try key.rawSignature(Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    static func unsigned(_ claims: JSONValue) -> String {
        Base64URL.encode(JSONValue.object(["alg": "none", "typ": "JWT"]).jsonBytes) + "."
            + Base64URL.encode(claims.jsonBytes) + ".AA"
    }
}
