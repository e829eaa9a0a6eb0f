import FastAuth
import FastAuthTesting
import FastAuthVapor
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("JWKS and metadata routes")
struct HTTPKeyRouteTests {
    func app(
        _ app: Application, config: FastAuthConfig, keyStore: InMemorySigningKeyStore? = nil,
        clock: ManualClock = ManualClock(Date())
    ) async throws -> AuthService {
        let tokens = try await TokenService(config: config, clock: clock)
        let keys = KeyManager(config: config, keyRing: tokens.keyRing, store: keyStore, clock: clock)
        let auth = AuthService(
            config: config, store: InMemoryStore(), tokens: tokens,
            hasher: try PasswordHasher(parameters: .insecureTesting), keys: keys)
        auth.mount(app)
        app.middleware = Middlewares()
        app.middleware.use(DetailErrorMiddleware())
        return auth
    }

    /// Marks the responses of the routes behind it.
    struct MarkingMiddleware: AsyncMiddleware {
        func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
            let response = try await next.respond(to: request)
            response.headers.replaceOrAdd(name: "X-Behind-Group", value: "1")
            return response
        }
    }

    @Test("mount(app, routes:) puts the auth routes behind the app's group; JWKS and metadata stay at the root")
    func mountBehindAGroup() async throws {
        try await withApp { app in
            let config = try TestFixtures.config(algorithm: .es256)
            let tokens = try await TokenService(config: config)
            let auth = AuthService(
                config: config, store: InMemoryStore(), tokens: tokens,
                hasher: try PasswordHasher(parameters: .insecureTesting))
            auth.mount(app, routes: app.grouped(MarkingMiddleware()))
            let me = try await app.testing().sendRequest(.GET, "auth/me")
            #expect(me.status == .unauthorized)
            #expect(me.headers.first(name: "X-Behind-Group") == "1")
            let jwks = try await app.testing().sendRequest(.GET, ".well-known/jwks.json")
            #expect(jwks.status == .ok)
            #expect(jwks.headers.first(name: "X-Behind-Group") == nil)
        }
    }

    @Test("PEM mode publishes the key with kid, kty, alg, use; Cache-Control; a strong ETag; 304 on a match")
    func pemJWKS() async throws {
        try await withApp { app in
            let config = try TestFixtures.config(algorithm: .es256)
            _ = try await self.app(app, config: config)
            let response = try await app.testing().sendRequest(.GET, ".well-known/jwks.json")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: .cacheControl) == "public, max-age=300")
            let etag = try #require(response.headers.first(name: .eTag))
            #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"))
            let jwks = try JSONValue(parsing: Array(response.body.readableBytesView))
            let key = try #require(jwks["keys"]?.arrayValue?.first)
            #expect(key["kty"] == "EC" && key["alg"] == "ES256" && key["use"] == "sig")
            #expect(key["kid"]?.stringValue == config.staticPrivateKey?.thumbprint?.rawValue)
            #expect(key["d"] == nil)
            let cached = try await app.testing().sendRequest(
                .GET, ".well-known/jwks.json", headers: ["If-None-Match": etag])
            #expect(cached.status == .notModified)
            #expect(cached.body.readableBytes == 0)
            #expect(cached.headers.first(name: .eTag) == etag)
            let stale = try await app.testing().sendRequest(
                .GET, ".well-known/jwks.json", headers: ["If-None-Match": "\"other\""])
            #expect(stale.status == .ok)
            #expect(stale.body.readableBytes == response.body.readableBytes)
            // RFC 9110: If-None-Match compares weakly, and may list several tags or be `*`.
            for header in ["W/\(etag)", "\"other\", \(etag)", "\"other\",W/\(etag) ", "*"] {
                let listed = try await app.testing().sendRequest(
                    .GET, ".well-known/jwks.json", headers: ["If-None-Match": header])
                #expect(listed.status == .notModified, "If-None-Match: \(header)")
            }
            for header in ["\"other\", W/\"other\"", String(etag.dropLast()), "W/" + String(etag.dropFirst())] {
                let unlisted = try await app.testing().sendRequest(
                    .GET, ".well-known/jwks.json", headers: ["If-None-Match": header])
                #expect(unlisted.status == .ok, "If-None-Match: \(header)")
            }
        }
    }

    @Test("an RSA key publishes n and e and nothing private")
    func rsaJWKS() async throws {
        try await withApp { app in
            _ = try await self.app(app, config: try TestFixtures.config(algorithm: .rs256))
            let response = try await app.testing().sendRequest(.GET, ".well-known/jwks.json")
            let key = try #require(
                try JSONValue(parsing: Array(response.body.readableBytesView))["keys"]?.arrayValue?.first)
            #expect(Set(key.objectValue?.keys ?? [:].keys) == ["kty", "n", "e", "kid", "alg", "use"])
        }
    }

    @Test("HS mode has no JWKS route")
    func hmacHasNoJWKS() async throws {
        try await withApp { app in
            _ = try await self.app(app, config: try TestFixtures.config(algorithm: .hs256))
            let response = try await app.testing().sendRequest(.GET, ".well-known/jwks.json")
            #expect(response.status == .notFound)
            #expect(response.body.string == "{\"detail\":\"Not Found\"}")
        }
    }

    @Test("managed mode answers 503 until keys are loaded, then serves current and next")
    func managedJWKS() async throws {
        try await withApp { app in
            let config = try FastAuthConfig(
                secret: TestFixtures.secret,
                jwt: JWTConfig(algorithm: .eddsa, jwksEnabled: true, keyRotationInterval: .seconds(3600)))
            let auth = try await self.app(app, config: config, keyStore: InMemorySigningKeyStore())
            let before = try await app.testing().sendRequest(.GET, ".well-known/jwks.json")
            #expect(before.status == .serviceUnavailable)
            #expect(try JSONValue(parsing: Array(before.body.readableBytesView))["detail"] != nil)
            try await auth.keys.tick()
            let after = try await app.testing().sendRequest(.GET, ".well-known/jwks.json")
            #expect(after.status == .ok)
            #expect(try JSONValue(parsing: Array(after.body.readableBytesView))["keys"]?.arrayValue?.count == 2)
        }
    }

    @Test("RFC 8414 metadata names the issuer, the JWKS and the introspection and revocation endpoints")
    func metadata() async throws {
        try await withApp { app in
            _ = try await self.app(
                app, config: try TestFixtures.config(algorithm: .rs256, issuer: "https://auth.example.test"))
            let response = try await app.testing().sendRequest(.GET, ".well-known/oauth-authorization-server")
            #expect(response.status == .ok)
            let document = try JSONValue(parsing: Array(response.body.readableBytesView))
            #expect(document["issuer"] == "https://auth.example.test")
            #expect(document["jwks_uri"] == "https://auth.example.test/.well-known/jwks.json")
            #expect(document["introspection_endpoint"] == "https://auth.example.test/auth/token/introspect")
            #expect(document["revocation_endpoint"] == "https://auth.example.test/auth/token/revoke")
            #expect(document["access_token_signing_alg_values_supported"] == ["RS256"])
        }
    }

    @Test(
        "metadata URLs come from configuration only: a forged Host changes nothing, and without a base there is no document"
    )
    func metadataFromConfiguration() async throws {
        try await withApp { app in
            let fixture = try TestFixtures.config(algorithm: .es256, issuer: "fastauth")
            let config = try FastAuthConfig(
                secret: fixture.secret, jwt: fixture.jwt, publicURL: "https://auth.example.test/")
            _ = try await self.app(app, config: config)
            let response = try await app.testing().sendRequest(
                .GET, ".well-known/oauth-authorization-server",
                headers: ["Host": "attacker.example", "X-Forwarded-Proto": "http"])
            let document = try JSONValue(parsing: Array(response.body.readableBytesView))
            #expect(document["jwks_uri"] == "https://auth.example.test/.well-known/jwks.json")
            #expect(document["issuer"] == "fastauth")
        }
        try await withApp { app in
            _ = try await self.app(app, config: try TestFixtures.config(algorithm: .es256, issuer: "fastauth"))
            let response = try await app.testing().sendRequest(
                .GET, ".well-known/oauth-authorization-server", headers: ["Host": "attacker.example"])
            #expect(response.status == .notFound)
            #expect(!response.body.string.contains("attacker"))
        }
        #expect(throws: ConfigurationError.self) {
            try FastAuthConfig(secret: TestFixtures.secret, publicURL: "auth.example.test")
        }
        #expect(
            try FastAuthConfig(secret: TestFixtures.secret, jwt: JWTConfig(issuer: "http://127.0.0.1:8000"))
                .metadataBaseURL == "http://127.0.0.1:8000")
        #expect(
            try FastAuthConfig(secret: TestFixtures.secret, jwt: JWTConfig(issuer: "http://auth.example.test"))
                .metadataBaseURL == nil)
    }

    @Test("a token signed by a key another instance just created verifies after one reload")
    func unknownKidReload() async throws {
        try await withApp { app in
            let clock = ManualClock(Date())
            let store = InMemorySigningKeyStore()
            let config = try FastAuthConfig(
                secret: TestFixtures.secret,
                jwt: JWTConfig(algorithm: .es256, jwksEnabled: true, keyRotationInterval: .seconds(3600)))
            let auth = try await self.app(app, config: config, keyStore: store, clock: clock)
            try await auth.keys.tick()
            // A second instance rotates in an emergency and signs with the new key.
            let otherTokens = try await TokenService(config: config, clock: clock)
            let other = KeyManager(config: config, keyRing: otherTokens.keyRing, store: store, clock: clock)
            try await other.reload()
            _ = try await other.rotateNow()
            _ = try await other.rotateNow()
            let user = try await auth.store.createUser(StoredUser(account: TestFixtures.user(), passwordHash: "x"))
            // The token's session must be live: FastAuth refuses access tokens of ended or unknown sessions.
            try await auth.store.createSession(
                SessionRecord(
                    id: SessionID("s1"), userID: user.id, createdAt: clock.now(),
                    expiresAt: clock.now().addingTimeInterval(3600)))
            let token = try await otherTokens.issueAccessToken(for: user, sessionID: SessionID("s1")).token
            let response = try await app.testing().sendRequest(
                .GET, "auth/me", headers: ["Authorization": "Bearer \(token)"])
            #expect(response.status == .ok)
        }
    }
}
