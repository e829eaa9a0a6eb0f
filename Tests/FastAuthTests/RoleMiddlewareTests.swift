import FastAuth
import FastAuthTesting
import FastAuthVapor
import Foundation
import Testing
import Vapor
import VaporTesting

@testable import fastauth

@Suite("requireRole and requirePermission middleware", .eachHTTPAdapter)
struct RoleMiddlewareTests {
    /// Adds the app's own guarded routes: `api/reports` needs `reports:read`, `api/editor` the role `editor`.
    private func guardedRoutes(_ h: HTTPHarness) {
        h.app.grouped(h.auth.requirePermission("reports:read")).get("api", "reports") { request in
            try request.principal.user.email
        }
        h.app.grouped(h.auth.requireRole("editor")).get("api", "editor") { _ in "welcome" }
    }

    /// The claims of a compact JWT, unverified.
    private func claims(_ token: String) throws -> JSONValue {
        let payload = try #require(token.split(separator: ".").dropFirst().first)
        return try JSONValue(parsing: try #require(Base64URL.decode(String(payload))))
    }

    @Test("401 for an anonymous caller, 403 without the role or permission, 200 with it")
    func refusals() async throws {
        try await withHarness { h, _ in
            guardedRoutes(h)
            let (token, id) = try await signUp(h, "bob@example.com")
            for path in ["api/reports", "api/editor"] {
                #expect(try await h.send(.GET, path).status == .unauthorized)
                #expect(try await h.send(.GET, path, bearer: "not.a.jwt").status == .unauthorized)
            }
            let noPermission = try await h.send(.GET, "api/reports", bearer: token)
            #expect(noPermission.status == .forbidden)
            #expect(noPermission.detail == "Insufficient permissions")
            let noRole = try await h.send(.GET, "api/editor", bearer: token)
            #expect(noRole.status == .forbidden)
            #expect(noRole.detail == "Insufficient role")
            _ = try await h.auth.store.createRole("editor", permissions: ["reports:read"], now: h.clock.now())
            try await h.auth.roles.assign("editor", to: id)
            // Granted through this instance's service: its cache is cleared at once.
            let reports = try await h.send(.GET, "api/reports", bearer: token)
            #expect(reports.status == .ok)
            #expect(reports.body == "bob@example.com")
            #expect(try await h.send(.GET, "api/editor", bearer: token).body == "welcome")
        }
    }

    @Test("a grant or a revocation made elsewhere takes effect within the role cache's second (manual clock)")
    func staleness() async throws {
        try await withHarness { h, _ in
            guardedRoutes(h)
            let (token, id) = try await signUp(h, "bob@example.com")
            _ = try await h.auth.store.createRole("analyst", permissions: ["reports:read"], now: h.clock.now())
            #expect(try await h.send(.GET, "api/reports", bearer: token).status == .forbidden)
            // Another instance (or the CLI) grants the role: this one keeps its cached answer…
            #expect(try await h.auth.store.grantRole("analyst", to: id, now: h.clock.now()))
            #expect(try await h.send(.GET, "api/reports", bearer: token).status == .forbidden)
            h.clock.advance(by: .milliseconds(500))
            #expect(try await h.send(.GET, "api/reports", bearer: token).status == .forbidden)
            // …for at most a second.
            h.clock.advance(by: .milliseconds(500))
            #expect(try await h.send(.GET, "api/reports", bearer: token).status == .ok)
            #expect(try await h.auth.store.revokeRole("analyst", from: id))
            #expect(try await h.send(.GET, "api/reports", bearer: token).status == .ok)
            h.clock.advance(by: .seconds(1))
            #expect(try await h.send(.GET, "api/reports", bearer: token).status == .forbidden)
            // The change ended no session: the same token still authenticates.
            #expect(try await h.send(.GET, "auth/me", bearer: token).status == .ok)
        }
    }

    @Test("a revoked admin loses the role routes within the cache's second")
    func adminRevocation() async throws {
        try await withHarness { h, _ in
            let admin = try await signUpAdmin(h)
            #expect(try await h.send(.GET, "auth/roles", bearer: admin).status == .ok)
            _ = try await RolesCommand.revoke(
                store: h.auth.store, role: "admin", from: .email("admin@example.com"), json: false)
            #expect(try await h.send(.GET, "auth/roles", bearer: admin).status == .ok)
            h.clock.advance(by: .seconds(1))
            #expect(try await h.send(.GET, "auth/roles", bearer: admin).status == .forbidden)
        }
    }

    @Test(
        "with rolesClaim, access tokens carry roles and permissions, refresh tokens never, and the middleware trusts them"
    )
    func rolesClaim() async throws {
        try await withHarness(roles: RolesConfig(rolesClaim: true)) { h, _ in
            guardedRoutes(h)
            let (before, refreshBefore) = try await h.register("bob@example.com")
            #expect(try claims(before)["roles"] == [])
            #expect(try claims(before)["permissions"] == [])
            let id = UserID(try #require(try claims(before)["sub"]?.stringValue))
            _ = try await h.auth.store.createRole("analyst", permissions: ["reports:read"], now: h.clock.now())
            #expect(try await h.auth.store.grantRole("analyst", to: id, now: h.clock.now()))
            let login = try await h.send(
                .POST, "auth/login", json: ["email": "bob@example.com", "password": "correct horse battery"])
            let access = try #require(login["access_token"]?.stringValue)
            let refresh = try #require(login["refresh_token"]?.stringValue)
            #expect(try claims(access)["roles"] == ["analyst"])
            #expect(try claims(access)["permissions"] == ["reports:read"])
            for token in [refresh, refreshBefore] {
                #expect(try claims(token)["roles"] == nil && claims(token)["permissions"] == nil)
                #expect(try claims(token)["type"] == "refresh")
            }
            // The middleware reads the claims: the old token says "no roles" although the store says yes…
            h.clock.advance(by: .seconds(2))
            #expect(try await h.send(.GET, "api/reports", bearer: before).status == .forbidden)
            #expect(try await h.send(.GET, "api/reports", bearer: access).status == .ok)
            // …and the new one keeps its roles until it is replaced, even after a revocation.
            #expect(try await h.auth.store.revokeRole("analyst", from: id))
            h.clock.advance(by: .seconds(2))
            #expect(try await h.send(.GET, "api/reports", bearer: access).status == .ok)
            let refreshed = try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)])
            let next = try #require(refreshed["access_token"]?.stringValue)
            #expect(try claims(next)["roles"] == [])
            #expect(try claims(try #require(refreshed["refresh_token"]?.stringValue))["roles"] == nil)
            #expect(try await h.send(.GET, "api/reports", bearer: next).status == .forbidden)
        }
    }
}
