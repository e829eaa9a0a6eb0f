import FastAuth
import FastAuthTesting
import Testing
import Vapor
import VaporTesting

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Ending a session ends its access tokens at the auth server: every authenticated call and
/// introspection check the token's `sid` against live sessions (through a cache of at most
/// `userCacheTTL`, one second by default).
@Suite("Ended sessions end their access tokens", .eachHTTPAdapter)
struct SessionLivenessTests {
    /// Two instances on one store and one manual clock.
    struct TwoInstances {
        let clock = ManualClock()
        let store = InMemoryStore()
        let first: AuthService
        let second: AuthService
        let context = RequestOrigin(clientAddress: "203.0.113.7", userAgent: "tests")

        init(cacheTTL: Duration = .seconds(1)) async throws {
            let security = SecurityConfig(passwordHashing: .insecureTesting, userCacheTTL: cacheTTL)
            let config = try FastAuthConfig(secret: TestFixtures.secret, security: security)
            let hasher = try PasswordHasher(parameters: .insecureTesting)
            first = AuthService(
                config: config, store: store, tokens: try await TokenService(config: config, clock: clock),
                hasher: hasher)
            second = AuthService(
                config: config, store: store, tokens: try await TokenService(config: config, clock: clock),
                hasher: hasher)
        }
    }

    static func refused(_ body: () async throws -> Void) async -> Bool {
        do {
            try await body()
            return false
        } catch let error as AuthError {
            return error.code == .notAuthenticated
        } catch {
            return false
        }
    }

    @Test(
        "after logout the session's access token is refused at once on the same instance; other sessions are unaffected"
    )
    func logoutSameInstance() async throws {
        let h = try await AuthHarness()
        let one = try await h.register()
        let two = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let principal = try await h.auth.authenticate(accessToken: one.tokens.access.token)
        try await h.auth.logout(principal, everywhere: false, context: h.context)
        #expect(await Self.refused { _ = try await h.auth.authenticate(accessToken: one.tokens.access.token) })
        let other = try await h.auth.authenticate(accessToken: two.tokens.access.token)
        #expect(try await !h.auth.introspect(one.tokens.access.token, by: other).active)
        #expect(try await h.auth.introspect(two.tokens.access.token, by: other).active)
    }

    @Test(
        "a session ended on another instance stops its access tokens within the cache's second, and at once with the cache off"
    )
    func logoutOtherInstance() async throws {
        let h = try await TwoInstances()
        let signIn = try await h.first.register(
            email: "ada@example.com", password: "correct horse battery", name: nil, context: h.context)
        let token = signIn.tokens.access.token
        _ = try await h.second.authenticate(accessToken: token)  // the second instance now caches the session as live
        try await h.first.logout(
            try await h.first.authenticate(accessToken: token), everywhere: false, context: h.context)
        #expect(await Self.refused { _ = try await h.first.authenticate(accessToken: token) })
        _ = try await h.second.authenticate(accessToken: token)  // still within its cached second
        h.clock.advance(by: .seconds(1))
        #expect(await Self.refused { _ = try await h.second.authenticate(accessToken: token) })

        let uncached = try await TwoInstances(cacheTTL: .zero)
        let other = try await uncached.first.register(
            email: "bob@example.com", password: "correct horse battery", name: nil, context: uncached.context)
        _ = try await uncached.second.authenticate(accessToken: other.tokens.access.token)
        try await uncached.first.revokeAllSessions(
            of: try await uncached.first.authenticate(accessToken: other.tokens.access.token))
        #expect(
            await Self.refused { _ = try await uncached.second.authenticate(accessToken: other.tokens.access.token) })
    }

    @Test("logout everywhere, revoking a session, revoking a token and reuse detection each end the access tokens")
    func everyWayToEndASession() async throws {
        let h = try await AuthHarness()
        let one = try await h.register()
        let two = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let three = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let four = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let caller = try await h.auth.authenticate(accessToken: four.tokens.access.token)

        try await h.auth.revokeSession(one.session.id, of: caller)
        #expect(await Self.refused { _ = try await h.auth.authenticate(accessToken: one.tokens.access.token) })

        try await h.auth.revoke(two.tokens.refresh.token, by: caller, context: h.context)
        #expect(await Self.refused { _ = try await h.auth.authenticate(accessToken: two.tokens.access.token) })

        _ = try await h.auth.authenticate(accessToken: three.tokens.access.token)
        _ = try await h.auth.refresh(three.tokens.refresh.token, context: h.context)
        h.clock.advance(by: .seconds(11))  // past the reuse grace window
        _ = try? await h.auth.refresh(three.tokens.refresh.token, context: h.context)
        #expect(await Self.refused { _ = try await h.auth.authenticate(accessToken: three.tokens.access.token) })

        _ = try await h.auth.authenticate(accessToken: four.tokens.access.token)
        try await h.auth.logout(caller, everywhere: true, context: h.context)
        #expect(await Self.refused { _ = try await h.auth.authenticate(accessToken: four.tokens.access.token) })
    }

    @Test(
        "over HTTP on SQLite: after logout /auth/me, requireAuth routes and introspection refuse the token; the other session works"
    )
    func overHTTP() async throws {
        try await withHarness { h, _ in
            let credentials: JSONValue = ["email": "ada@example.com", "password": "correct horse battery"]
            _ = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": "correct horse battery"])
            let first = try #require(
                try await h.send(.POST, "auth/login", json: credentials)["access_token"]?.stringValue)
            let second = try #require(
                try await h.send(.POST, "auth/login", json: credentials)["access_token"]?.stringValue)
            #expect(try await h.send(.GET, "auth/me", bearer: first).status == .ok)
            #expect(try await h.send(.POST, "auth/logout", bearer: first).status == .ok)
            #expect(try await h.send(.GET, "auth/me", bearer: first).status == .unauthorized)
            #expect(try await h.send(.GET, "api/me", bearer: first).status == .unauthorized)
            #expect(try await h.send(.GET, "auth/sessions", bearer: first).status == .unauthorized)
            let introspected = try await h.send(
                .POST, "auth/token/introspect", json: ["token": .string(first)], bearer: second)
            #expect(introspected["active"] == false)
            #expect(try await h.send(.GET, "auth/me", bearer: second).status == .ok)
        }
    }
}
