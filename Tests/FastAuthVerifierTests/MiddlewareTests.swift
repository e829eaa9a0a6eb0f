import FastAuth
import FastAuthTesting
import FastAuthVapor
import FastAuthVerifier
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("RemoteTokenMiddleware protects a resource service")
struct MiddlewareTests {
    /// A resource service with one protected route answering the caller's `sub`.
    func withService(
        _ fetcher: FakeIssuer, clock: ManualClock, _ body: (Application) async throws -> Void
    ) async throws {
        let verifier = makeVerifier(fetcher, clock: clock)
        try await withApp { app in
            app.grouped(RemoteTokenMiddleware(verifier: verifier)).get("whoami") { request in
                try request.remotePrincipal.subject
            }
            try await body(app)
        }
    }

    func get(_ app: Application, _ header: String?) async throws -> TestingHTTPResponse {
        var headers = HTTPHeaders()
        if let header { headers.add(name: .authorization, value: header) }
        return try await app.testing().sendRequest(.GET, "whoami", headers: headers)
    }

    @Test("a valid token reaches the route with the caller's sub")
    func accepted() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(.rs256, clock: clock)
        try await withService(FakeIssuer(keys: [issuer.key]), clock: clock) { app in
            let response = try await get(app, "Bearer " + (try await issuer.accessToken()))
            #expect(response.status == .ok)
            #expect(response.body.string == TestFixtures.user().id.rawValue)
            let lowercase = try await get(app, "bearer " + (try await issuer.accessToken()))
            #expect(lowercase.status == .ok)
        }
    }

    @Test("missing, expired, refresh, other-audience, tampered and garbage tokens get 401")
    func refused() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(.es256, clock: clock)
        let stranger = try await Issuer.make(.es256, clock: clock)
        let token = try await issuer.accessToken()
        let parts = token.split(separator: ".").map(String.init)
        let headers: [String?] = [
            nil, "", "Bearer", "Bearer ", "Basic YWRhOnB3", token,
            "Bearer " + (try await issuer.accessToken(now: clock.now().addingTimeInterval(-3600))),
            "Bearer " + (try await issuer.forge(["type": "refresh"])),
            "Bearer " + (try await issuer.refreshToken()),
            "Bearer " + (try await issuer.forge(["aud": ["billing"]])),
            "Bearer " + parts[0] + "." + Base64URL.encode(Array(#"{"sub":"admin","type":"access"}"#.utf8)) + "."
                + parts[2],
            "Bearer " + (try await stranger.accessToken()),
            "Bearer " + garbageKidToken("nope"),
            "Bearer !!!", "Bearer a.b.c", "Bearer " + String(repeating: "x", count: 9000),
            "Bearer \u{7F}\u{1}.\u{2}.\u{3}",
        ]
        try await withService(FakeIssuer(keys: [issuer.key]), clock: clock) { app in
            for header in headers {
                let response = try await get(app, header)
                #expect(response.status == .unauthorized, "\(header?.prefix(30) ?? "none")")
                #expect(response.headers.first(name: .wwwAuthenticate) == "Bearer")
                let body = try JSONValue(parsing: Array(response.body.readableBytesView))
                #expect(body["detail"] == "Not authenticated")
            }
        }
    }

    @Test("503 only while the issuer's keys were never loaded, then 401/200 as usual")
    func unavailable() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMode(.throwing)
        try await withService(fetcher, clock: clock) { app in
            let token = try await issuer.accessToken()
            let down = try await get(app, "Bearer " + token)
            #expect(down.status == .serviceUnavailable)
            #expect(down.headers.first(name: .retryAfter) == "10")
            let body = try JSONValue(parsing: Array(down.body.readableBytesView))
            #expect(body["detail"]?.stringValue != nil)
            #expect(body["code"] == "keys_unavailable")
            // No token at all is still a 401, keys or not.
            #expect(try await get(app, nil).status == .unauthorized)

            fetcher.setMode(.up)
            clock.advance(by: .seconds(10))
            #expect(try await get(app, "Bearer " + token).status == .ok)
            // Down again: known keys keep working, garbage is still a 401.
            fetcher.setMode(.status(500))
            clock.advance(by: .seconds(600))
            #expect(try await get(app, "Bearer " + (try await issuer.accessToken())).status == .ok)
            #expect(try await get(app, "Bearer " + garbageKidToken("nope")).status == .unauthorized)
        }
    }

    @Test("req.remotePrincipal without the middleware is a 401")
    func principalWithoutMiddleware() async throws {
        try await withApp { app in
            app.get("open") { request in try request.remotePrincipal.subject }
            let response = try await app.testing().sendRequest(.GET, "open")
            #expect(response.status == .unauthorized)
        }
    }
}
