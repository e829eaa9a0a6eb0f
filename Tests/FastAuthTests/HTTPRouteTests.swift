import FastAuth
import FastAuthTesting
import FastAuthVapor
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("HTTP routes (JSON delivery)", .eachHTTPAdapter)
struct HTTPRouteTests {
    @Test("register answers 201 with a token pair in the original's key order")
    func register() async throws {
        try await withHarness() { h, app in
            let reply = try await h.send(
                .POST, "auth/register",
                json: ["email": "Ada@Example.com", "password": "correct horse battery", "name": "Ada"])
            #expect(reply.status == .created)
            #expect(reply.body.hasPrefix("{\"access_token\":\"ey"))
            #expect(reply.body.contains("\",\"refresh_token\":\"ey"))
            #expect(reply.body.hasSuffix("\"token_type\":\"bearer\",\"expires_in\":900}"))
            #expect(reply.headers.contentType == .json)
        }
    }

    @Test("register refusals: 409 duplicate (any case), 400 weak password, 422 bad or missing fields")
    func registerErrors() async throws {
        try await withHarness() { h, app in
            _ = try await h.register()
            let duplicate = try await h.send(
                .POST, "auth/register", json: ["email": "ADA@example.com", "password": "correct horse battery"])
            #expect(duplicate.status == .conflict)
            #expect(duplicate.detail == "A user with this email already exists")
            let weak = try await h.send(
                .POST, "auth/register", json: ["email": "bob@example.com", "password": "short"])
            #expect(weak.status == .badRequest)
            #expect(weak.detail == "Password must be at least 8 characters long")
            let badEmail = try await h.send(
                .POST, "auth/register", json: ["email": "not-an-email", "password": "correct horse battery"])
            #expect(badEmail.status == .unprocessableEntity)
            #expect(badEmail["detail"]?.arrayValue?.first?["loc"] == ["body", "email"])
            #expect(badEmail["detail"]?.arrayValue?.first?["msg"]?.stringValue?.contains("@-sign") == true)
            let missing = try await h.send(.POST, "auth/register", json: ["email": "bob@example.com"])
            #expect(missing.status == .unprocessableEntity)
            #expect(missing["detail"]?.arrayValue?.first?["loc"] == ["body", "password"])
            #expect(missing["detail"]?.arrayValue?.first?["type"] == "missing")
            let wrongType = try await h.send(
                .POST, "auth/register", json: ["email": "bob@example.com", "password": 12345678])
            #expect(wrongType.status == .unprocessableEntity)
            #expect(!wrongType.body.contains("12345678"))
        }
    }

    @Test("login: 200 pair; 401 the same for wrong password and unknown email; 422 malformed JSON")
    func login() async throws {
        try await withHarness() { h, app in
            _ = try await h.register()
            let ok = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])
            #expect(ok.status == .ok)
            #expect(ok["token_type"] == "bearer")
            let wrong = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": "wrong password!"])
            let unknown = try await h.send(
                .POST, "auth/login", json: ["email": "nobody@example.com", "password": "correct horse battery"])
            #expect(wrong.status == .unauthorized && unknown.status == .unauthorized)
            #expect(wrong.detail == "Invalid email or password" && unknown.detail == wrong.detail)
            #expect(wrong.headers.first(name: .wwwAuthenticate) == "Bearer")
            let malformed = try await h.send(.POST, "auth/login", raw: "{\"email\":", contentType: "application/json")
            #expect(malformed.status == .unprocessableEntity)
            #expect(malformed["detail"]?.arrayValue?.first?["type"] == "json_invalid")
        }
    }

    @Test("login lockout answers 429 with Retry-After")
    func lockout() async throws {
        try await withHarness() { h, app in
            _ = try await h.register()
            for _ in 0..<5 {
                _ = try await h.send(
                    .POST, "auth/login", json: ["email": "ada@example.com", "password": "wrong password!"])
            }
            let locked = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])
            #expect(locked.status == .tooManyRequests)
            #expect(Int(locked.headers.first(name: .retryAfter) ?? "") ?? 0 > 0)
        }
    }

    @Test("rate limiting answers 429 with Retry-After past the per-minute limit")
    func rateLimit() async throws {
        try await withHarness(security: SecurityConfig(rateLimitPerMinute: 2, passwordHashing: .insecureTesting)) {
            h, app in
            for _ in 0..<2 {
                let reply = try await h.send(.POST, "auth/refresh", json: ["refresh_token": "garbage"])
                #expect(reply.status == .unauthorized)
            }
            let limited = try await h.send(.POST, "auth/refresh", json: ["refresh_token": "garbage"])
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers.first(name: .retryAfter) != nil)
        }
    }

    @Test("me: 200 with the profile; 401 Not authenticated for every kind of bad credential")
    func me() async throws {
        try await withHarness() { h, app in
            let (access, refresh) = try await h.register()
            let me = try await h.send(.GET, "auth/me", bearer: access)
            #expect(me.status == .ok)
            #expect(me["email"] == "ada@example.com")
            #expect(
                me["name"] == "Ada" && me["image"] == .null && me["email_verified"] == false && me["is_active"] == true)
            #expect(me.body.hasPrefix("{\"id\":"))
            let tampered = access.dropLast(2) + (access.hasSuffix("AA") ? "BB" : "AA")
            for headers: HTTPHeaders in [
                [:], ["Authorization": "Bearer not.a.jwt"], ["Authorization": "Bearer \(refresh)"],
                ["Authorization": "Basic Zm9vOmJhcg=="], ["Authorization": "Bearer \(tampered)"],
                ["Authorization": "Bearer"],
            ] {
                let reply = try await h.send(.GET, "auth/me", headers: headers)
                #expect(reply.status == .unauthorized)
                #expect(reply.detail == "Not authenticated")
                #expect(reply.headers.first(name: .wwwAuthenticate) == "Bearer")
            }
            h.clock.advance(by: .seconds(931))
            #expect(try await h.send(.GET, "auth/me", bearer: access).status == .unauthorized)
        }
    }

    @Test("the app's own routes use requireAuth and req.principal")
    func appRoute() async throws {
        try await withHarness() { h, app in
            let (access, _) = try await h.register()
            let ok = try await h.send(.GET, "api/me", bearer: access)
            #expect(ok.status == .ok && ok["email"] == "ada@example.com")
            let denied = try await h.send(.GET, "api/me")
            #expect(denied.status == .unauthorized && denied.detail == "Not authenticated")
        }
    }

    @Test("refresh from the JSON body, a bearer header; errors as the original words them")
    func refresh() async throws {
        try await withHarness() { h, app in
            let (access, refresh) = try await h.register()
            let viaBody = try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)])
            #expect(viaBody.status == .ok)
            let next = try #require(viaBody["refresh_token"]?.stringValue)
            let viaHeader = try await h.send(.POST, "auth/refresh", bearer: next)
            #expect(viaHeader.status == .ok)
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(access)]).detail
                    == "Invalid refresh token")
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": "garbage"]).detail
                    == "Invalid refresh token")
            #expect(try await h.send(.POST, "auth/refresh").detail == "Refresh token required")
            let empty = try await h.send(.POST, "auth/refresh", json: [:])
            #expect(empty.status == .unprocessableEntity)
            #expect(empty["detail"]?.arrayValue?.first?["loc"] == ["body", "refresh_token"])
            h.clock.advance(by: .seconds(11))
            let reused = try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)])
            #expect(reused.status == .unauthorized && reused.detail == "Refresh token has already been used")
        }
    }

    @Test("logout ends this session; ?all=true ends every session")
    func logout() async throws {
        try await withHarness() { h, app in
            let (access, refresh) = try await h.register()
            let other = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])
            let otherRefresh = try #require(other["refresh_token"]?.stringValue)
            let otherAccess = try #require(other["access_token"]?.stringValue)
            let out = try await h.send(.POST, "auth/logout", bearer: access)
            #expect(out.status == .ok && out["message"] == "Logged out")
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)]).status
                    == .unauthorized)
            let survivor = try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(otherRefresh)])
            #expect(survivor.status == .ok)
            let everywhere = try await h.send(.POST, "auth/logout?all=true", bearer: otherAccess)
            #expect(everywhere.status == .ok)
            let after = try await h.send(
                .POST, "auth/refresh", json: ["refresh_token": .string(survivor["refresh_token"]?.stringValue ?? "")])
            #expect(after.status == .unauthorized)
            #expect(try await h.send(.POST, "auth/logout").status == .unauthorized)
        }
    }

    @Test("sessions: list with current, delete one (404 for unknown), delete all")
    func sessions() async throws {
        try await withHarness() { h, app in
            let (access, _) = try await h.register()
            _ = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"],
                headers: ["User-Agent": "phone"])
            let list = try await h.send(.GET, "auth/sessions", bearer: access)
            #expect(list.status == .ok)
            let sessions = try #require(list.json?.arrayValue)
            #expect(sessions.count == 2)
            #expect(sessions.filter { $0["current"] == true }.count == 1)
            let keys = Set(try #require(sessions.first?.objectValue).keys)
            #expect(keys == ["id", "created_at", "last_used_at", "expires_at", "user_agent", "ip", "current"])
            let phone = try #require(sessions.first { $0["user_agent"] == "phone" }?["id"]?.stringValue)
            #expect(try await h.send(.DELETE, "auth/sessions/nope", bearer: access).status == .notFound)
            #expect(try await h.send(.DELETE, "auth/sessions/nope", bearer: access).detail == "Session not found")
            let deleted = try await h.send(.DELETE, "auth/sessions/\(phone)", bearer: access)
            #expect(deleted.status == .ok && deleted["message"] == "Session revoked")
            #expect(try await h.send(.GET, "auth/sessions", bearer: access).json?.arrayValue?.count == 1)
            let all = try await h.send(.DELETE, "auth/sessions/all", bearer: access)
            #expect(all.status == .ok && all["message"] == "All sessions revoked")
            // Every session ended, the caller's too: its access token no longer authenticates, and
            // a new sign-in sees only its own session.
            #expect(try await h.send(.GET, "auth/sessions", bearer: access).status == .unauthorized)
            #expect(try await h.send(.GET, "auth/sessions").status == .unauthorized)
            let fresh = try #require(
                try await h.send(
                    .POST, "auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])[
                        "access_token"]?.stringValue)
            #expect(try await h.send(.GET, "auth/sessions", bearer: fresh).json?.arrayValue?.count == 1)
        }
    }

    @Test("introspection: JSON and RFC 7662 form bodies; other users' tokens are inactive")
    func introspect() async throws {
        try await withHarness() { h, app in
            let (access, refresh) = try await h.register()
            let (bobAccess, _) = try await h.register("bob@example.com")
            let own = try await h.send(.POST, "auth/token/introspect", json: ["token": .string(access)], bearer: access)
            #expect(
                own.status == .ok && own["active"] == true && own["token_type"] == "access"
                    && own["email"] == "ada@example.com")
            let form = try await h.send(
                .POST, "auth/token/introspect", raw: "token=\(refresh)&token_type_hint=refresh_token",
                contentType: "application/x-www-form-urlencoded", bearer: access)
            #expect(form["active"] == true && form["token_type"] == "refresh")
            let foreign = try await h.send(
                .POST, "auth/token/introspect", json: ["token": .string(bobAccess)], bearer: access)
            #expect(
                foreign.json == ["active": false, "sub": nil, "exp": nil, "jti": nil, "token_type": nil, "email": nil])
            let garbage = try await h.send(.POST, "auth/token/introspect", json: ["token": "garbage"], bearer: access)
            #expect(garbage["active"] == false)
            #expect(
                try await h.send(.POST, "auth/token/introspect", json: ["token": .string(access)]).status
                    == .unauthorized)
            #expect(
                try await h.send(.POST, "auth/token/introspect", json: [:], bearer: access).status
                    == .unprocessableEntity)
        }
    }

    @Test("revocation: 200 for own, foreign, unknown and invalid tokens; only the own one takes effect")
    func revoke() async throws {
        try await withHarness() { h, app in
            let (access, refresh) = try await h.register()
            let (_, bobRefresh) = try await h.register("bob@example.com")
            for token in [bobRefresh, "garbage", "a.b.c"] {
                let reply = try await h.send(
                    .POST, "auth/token/revoke", json: ["token": .string(token)], bearer: access)
                #expect(reply.status == .ok && reply["message"] == "Token revoked")
            }
            #expect(try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(bobRefresh)]).status == .ok)
            let own = try await h.send(
                .POST, "auth/token/revoke", raw: "token=\(refresh)", contentType: "application/x-www-form-urlencoded",
                bearer: access)
            #expect(own.status == .ok)
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)]).status
                    == .unauthorized)
        }
    }

    @Test("unknown paths are 404 and wrong methods 405 with Allow, in the original's shape")
    func notFoundAndMethod() async throws {
        try await withHarness() { h, app in
            let missing = try await h.send(.GET, "auth/nope")
            #expect(missing.status == .notFound && missing.json == ["detail": "Not Found"])
            let wrong = try await h.send(.GET, "auth/login")
            #expect(wrong.status == .methodNotAllowed && wrong.json == ["detail": "Method Not Allowed"])
            #expect(wrong.headers.first(name: "Allow") == "POST")
        }
    }

    @Test("the OpenAPI document lists exactly the routes that exist")
    func openAPI() async throws {
        try await withHarness() { h, app in
            let reply = try await h.send(.GET, "auth/openapi.json")
            #expect(reply.status == .ok)
            let paths = try #require(reply["paths"]?.objectValue)
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in item.objectValue?.keys ?? [:].keys { documented.insert("\(method.uppercased()) \(path)") }
            }
            let registered = Set(
                app.routes.all.filter { $0.path.first?.description == "auth" }.map { route in
                    "\(route.method.rawValue) /"
                        + route.path.map { component -> String in
                            if case .parameter(let name) = component { return "{\(name)}" }
                            return component.description
                        }.joined(separator: "/")
                })
            #expect(documented == registered)
            #expect(reply["openapi"] == "3.1.0")
        }
    }

    @Test("docs/HTTP-API.md lists every route the server registers")
    func referenceDocument() async throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/HTTP-API.md").standardized
        let document = try #require(FileManager.default.contents(atPath: url.path), "docs/HTTP-API.md is missing")
        let text = String(decoding: document, as: UTF8.self)
        try await withHarness() { h, app in
            let routes = app.routes.all.filter { ["auth", ".well-known"].contains($0.path.first?.description) }
            #expect(routes.count > 10)
            for route in routes {
                let path =
                    "/"
                    + route.path.map { component -> String in
                        if case .parameter(let name) = component { return "{\(name)}" }
                        return component.description
                    }.joined(separator: "/")
                #expect(
                    text.contains("`\(route.method.rawValue) \(path)`"),
                    "docs/HTTP-API.md has no row for \(route.method.rawValue) \(path)")
            }
        }
    }
}
