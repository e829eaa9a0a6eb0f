import FastAuth
import FastAuthTesting
import FastAuthVapor
import Testing
import Vapor
import VaporTesting

@Suite("HTTP routes (cookie delivery)", .eachHTTPAdapter)
struct HTTPCookieTests {
    private func cookies(_ reply: HTTPHarness.Reply) -> [String: String] {
        var jar: [String: String] = [:]
        for header in reply.headers[.setCookie] {
            let pair = header.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            if pair.count == 2 { jar[String(pair[0])] = String(pair[1]) }
        }
        return jar
    }

    @Test("login sets HttpOnly SameSite=Lax token cookies, the refresh cookie scoped to the refresh path")
    func loginSetsCookies() async throws {
        try await withHarness(delivery: .cookie) { h, app in
            let reply = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": "correct horse battery"])
            #expect(reply.status == .created)
            #expect(reply.json == ["message": "Authentication successful"])
            let headers = reply.headers[.setCookie]
            let access = try #require(headers.first { $0.hasPrefix("access_token=") })
            let refresh = try #require(headers.first { $0.hasPrefix("refresh_token=") })
            let csrf = try #require(headers.first { $0.hasPrefix("csrf_token=") })
            #expect(access.contains("HttpOnly") && access.contains("SameSite=Lax") && access.contains("Path=/"))
            #expect(refresh.contains("HttpOnly") && refresh.contains("Path=/auth/refresh"))
            #expect(!csrf.contains("HttpOnly"))
            #expect(!reply.body.contains("ey"))
        }
    }

    @Test("cookie-authenticated reads work; unsafe methods need the CSRF header to match the signed cookie")
    func csrf() async throws {
        try await withHarness(delivery: .cookie) { h, app in
            let jar = cookies(
                try await h.send(
                    .POST, "auth/register", json: ["email": "ada@example.com", "password": "correct horse battery"]))
            let access = try #require(jar["access_token"])
            let csrf = try #require(jar["csrf_token"])
            let cookieHeader = "access_token=\(access); csrf_token=\(csrf)"
            let me = try await h.send(.GET, "auth/me", headers: ["Cookie": cookieHeader])
            #expect(me.status == .ok && me["email"] == "ada@example.com")
            let noHeader = try await h.send(.POST, "auth/logout", headers: ["Cookie": cookieHeader])
            #expect(noHeader.status == .forbidden)
            let forged = "AAAAAAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"
            let wrongHeader = try await h.send(
                .POST, "auth/logout",
                headers: ["Cookie": "access_token=\(access); csrf_token=\(forged)", "X-CSRF-Token": forged])
            #expect(wrongHeader.status == .forbidden)
            let ok = try await h.send(.POST, "auth/logout", headers: ["Cookie": cookieHeader, "X-CSRF-Token": csrf])
            #expect(ok.status == .ok)
            #expect(ok.headers[.setCookie].contains { $0.hasPrefix("access_token=;") || $0.contains("Max-Age=0") })
            // Bearer requests need no CSRF token: they cannot be forged by a browser.
            let bearerLogin = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": "correct horse battery"])
            let bearer = try #require(cookies(bearerLogin)["access_token"])
            #expect(try await h.send(.POST, "auth/logout", bearer: bearer).status == .ok)
        }
    }

    @Test("refresh reads the refresh cookie and rotates the cookies")
    func refreshFromCookie() async throws {
        try await withHarness(delivery: .cookie) { h, app in
            let jar = cookies(
                try await h.send(
                    .POST, "auth/register", json: ["email": "ada@example.com", "password": "correct horse battery"]))
            let refresh = try #require(jar["refresh_token"])
            let reply = try await h.send(.POST, "auth/refresh", headers: ["Cookie": "refresh_token=\(refresh)"])
            #expect(reply.status == .ok)
            let next = try #require(cookies(reply)["refresh_token"])
            #expect(next != refresh)
            #expect(try await h.send(.POST, "auth/refresh", headers: ["Cookie": "refresh_token=\(next)"]).status == .ok)
        }
    }
}

@Suite("Bad input never breaks the server", .eachHTTPAdapter)
struct HTTPBadInputTests {
    @Test(
        "malformed, oversized, mistyped and hostile bodies get 4xx, the server keeps serving, nothing is half-written")
    func sweep() async throws {
        try await withHarness { h, app in
            let store = h.auth.store
            let (access, _) = try await h.register()
            let nul = "ada\u{0}@example.com"
            let cases: [(String, String?, String?)] = [
                ("{\"email\":", "application/json", nil),
                ("[1,2,3]", "application/json", nil),
                ("null", "application/json", nil),
                ("email=a@b.c&password=x", "application/x-www-form-urlencoded", nil),
                ("<xml/>", "application/xml", nil),
                ("{\"email\":\"\(nul)\",\"password\":\"correct horse battery\"}", "application/json", nil),
                (
                    "{\"email\":\"x@example.com\",\"password\":\"\(String(repeating: "p", count: 1_000_000))\"}",
                    "application/json", nil
                ),
                (String(repeating: "x", count: 10_000_000), "application/json", nil),
                (
                    "{\"email\":\"' OR 1=1; DROP TABLE fastauth_users; --@example.com\",\"password\":\"correct horse battery\"}",
                    "application/json", nil
                ),
                ("{\"email\":{\"$ne\":null},\"password\":[\"a\"]}", "application/json", nil),
                ("{\"email\":123,\"password\":true,\"name\":[]}", "application/json", nil),
                (
                    "{\"email\":\"x@example.com\",\"password\":\"correct horse battery\",\"remember\":\"perhaps\",\"name\":5}",
                    "application/json", nil
                ),
                ("\u{FEFF}{}", "application/json", nil),
                (String(repeating: "[", count: 10_000), "application/json", nil),
            ]
            for path in ["auth/register", "auth/login", "auth/refresh"] {
                for (body, contentType, _) in cases {
                    let reply = try await h.send(.POST, path, raw: body, contentType: contentType)
                    #expect((400..<500).contains(reply.status.code), "\(path) \(body.prefix(40)) → \(reply.status)")
                    #expect(!reply.body.contains("correct horse battery"))
                }
            }
            // SQL metacharacters in a *valid* email are data, not code.
            let quoted = try await h.send(
                .POST, "auth/register",
                json: ["email": "o'brien+test@example.com", "password": "correct horse battery"])
            #expect(quoted.status == .created)
            // Still serving, and only the two real accounts exist.
            #expect(try await h.send(.GET, "auth/me", bearer: access).status == .ok)
            #expect(try await store.emailExists("ada@example.com"))
            #expect(try await store.emailExists("o'brien+test@example.com"))
            #expect(try await !store.emailExists("x@example.com"))
        }
    }
}
