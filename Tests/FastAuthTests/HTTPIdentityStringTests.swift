import FastAuth
import FastAuthTesting
import FastAuthVapor
import Testing
import Vapor
import VaporTesting

/// A hook that pads every access token with a custom claim of `bytes` bytes.
struct PaddingHook: EventHooks {
    let bytes: Int

    func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims {
        var claims = claims
        if tokenType == .access { claims[custom: "padding"] = .string(String(repeating: "x", count: bytes)) }
        return claims
    }
}

@Suite("Identity strings over HTTP (SQLite)", .eachHTTPAdapter)
struct HTTPIdentityStringTests {
    let password = "correct horse battery"

    @Test(
        "an email in NFC and the same email in NFD are one account: the second registration is a conflict, and either form logs in (SQLite, and PostgreSQL when configured)",
        arguments: [false, true])
    func nfcAndNFDAreOneAccount(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let nfc = "jos\u{E9}@example.com"
            let nfd = "jose\u{301}@example.com"
            #expect(Array(nfc.utf8) != Array(nfd.utf8))
            let first = try await h.send(
                .POST, "auth/register", json: ["email": .string(nfc), "password": .string(password)])
            #expect(first.status == .created)
            let second = try await h.send(
                .POST, "auth/register", json: ["email": .string(nfd), "password": .string(password)])
            #expect(second.status == .conflict, "\(second.body)")
            let login = try await h.send(
                .POST, "auth/login", json: ["email": .string(nfd), "password": .string(password)])
            #expect(login.status == .ok)
            let me = try await h.send(.GET, "auth/me", bearer: login["access_token"]?.stringValue)
            #expect(me["email"]?.stringValue.map { Array($0.utf8) } == Array(nfc.utf8))
        }
    }

    @Test("an email is trimmed, NFC-normalised and lower-cased before it is stored")
    func normalisedBeforeStorage() async throws {
        try await withHarness { h, _ in
            let reply = try await h.send(
                .POST, "auth/register", json: ["email": "  JOSE\u{301}@Example.COM \n", "password": .string(password)])
            #expect(reply.status == .created)
            let me = try await h.send(.GET, "auth/me", bearer: reply["access_token"]?.stringValue)
            #expect(me["email"]?.stringValue.map { Array($0.utf8) } == Array("jos\u{E9}@example.com".utf8))
        }
    }

    @Test(
        "emails with control, bidi or other invisible format characters are refused with 422",
        arguments: [
            "admin\u{202E}@example.com", "ad\u{200B}min@example.com", "admin@exa\u{2066}mple.com",
            "admin\u{200E}@example.com",
            "ad\u{AD}min@example.com", "admin\u{85}@example.com", "admin\u{1B}@example.com",
            "admin\u{FEFF}@example.com",
            "admin\u{2028}x@example.com", "admin@example.com\u{E0001}",
        ])
    func invisibleCharactersRefused(email: String) async throws {
        try await withHarness { h, _ in
            let reply = try await h.send(
                .POST, "auth/register", json: ["email": .string(email), "password": .string(password)])
            #expect(reply.status == .unprocessableEntity, "\(reply.body)")
            #expect(reply["field"]?.stringValue == "email")
            let login = try await h.send(
                .POST, "auth/login", json: ["email": .string(email), "password": .string(password)])
            #expect(login.status == .unprocessableEntity)
        }
    }

    @Test("a name of 256 UTF-8 bytes registers; 257 bytes, or 256 characters that are 50 KB, is refused with 422")
    func nameLimitedInBytes() async throws {
        try await withHarness { h, _ in
            let fits = String(repeating: "é", count: 128)
            #expect(fits.utf8.count == 256)
            let ok = try await h.send(
                .POST, "auth/register",
                json: ["email": "a@example.com", "password": .string(password), "name": .string(fits)])
            #expect(ok.status == .created)

            let over = String(repeating: "é", count: 128) + "x"
            let refused = try await h.send(
                .POST, "auth/register",
                json: ["email": "b@example.com", "password": .string(password), "name": .string(over)])
            #expect(refused.status == .unprocessableEntity)
            #expect(refused["field"]?.stringValue == "name")

            // 256 graphemes, each a letter with 100 combining marks: 256 characters, ~51 KB.
            let heavy = String(repeating: "a" + String(repeating: "\u{301}", count: 100), count: 256)
            #expect(heavy.count == 256)
            let huge = try await h.send(
                .POST, "auth/register",
                json: ["email": "c@example.com", "password": .string(password), "name": .string(heavy)])
            #expect(huge.status == .unprocessableEntity)
            #expect(
                try await h.send(.POST, "auth/login", json: ["email": "c@example.com", "password": .string(password)])
                    .status == .unauthorized)
        }
    }

    @Test(
        "a modifyJWT hook that makes the access token too large for verification fails the sign-in instead of issuing it"
    )
    func oversizedTokenNeverIssued() async throws {
        try await withHarness(hooks: PaddingHook(bytes: 9000)) { h, _ in
            let reply = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": .string(password)])
            #expect(reply.status == .serviceUnavailable, "\(reply.body)")
            #expect(reply["access_token"] == nil)
        }
        // Just under the limit, the token is issued and it verifies.
        try await withHarness(hooks: PaddingHook(bytes: 5000)) { h, _ in
            let reply = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": .string(password)])
            #expect(reply.status == .created)
            let token = try #require(reply["access_token"]?.stringValue)
            #expect(token.utf8.count <= 8192)
            #expect(try await h.send(.GET, "auth/me", bearer: token).status == .ok)
        }
    }
}

@Suite("Request bodies need a JSON Content-Type (HTTP)", .eachHTTPAdapter)
struct HTTPContentTypeTests {
    let body = #"{"email":"ada@example.com","password":"correct horse battery"}"#

    @Test(
        "login and register with a body and no Content-Type, text/plain, a form or multipart answer 415 and create nothing",
        arguments: [
            nil, "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
        ]
            as [String?])
    func nonJSONRefused(contentType: String?) async throws {
        try await withHarness { h, _ in
            for path in ["auth/register", "auth/login", "auth/refresh"] {
                let reply = try await h.send(.POST, path, raw: body, contentType: contentType)
                #expect(reply.status == .unsupportedMediaType, "\(path) \(contentType ?? "none") → \(reply.status)")
                #expect(reply.json == ["detail": "Unsupported Media Type"])
            }
            let login = try await h.send(.POST, "auth/login", raw: body, contentType: "application/json")
            #expect(login.status == .unauthorized)
        }
    }

    @Test("application/json (with parameters, any case) and application/*+json still work")
    func jsonAccepted() async throws {
        try await withHarness { h, _ in
            let register = try await h.send(
                .POST, "auth/register", raw: body, contentType: "Application/JSON; charset=utf-8")
            #expect(register.status == .created)
            let login = try await h.send(.POST, "auth/login", raw: body, contentType: "application/vnd.api+json")
            #expect(login.status == .ok)
        }
    }

    @Test("a refresh with no body and no Content-Type still reads the bearer token")
    func emptyBodyRefresh() async throws {
        try await withHarness { h, _ in
            let (_, refresh) = try await h.register()
            let reply = try await h.send(.POST, "auth/refresh", bearer: refresh)
            #expect(reply.status == .ok)
        }
    }

    @Test("introspection and revocation read forms and JSON, and refuse text/plain with 415")
    func introspectionBodies() async throws {
        try await withHarness { h, _ in
            let (access, refresh) = try await h.register()
            let form = try await h.send(
                .POST, "auth/token/introspect", raw: "token=\(refresh)",
                contentType: "application/x-www-form-urlencoded",
                bearer: access)
            #expect(form["active"] == true)
            let json = try await h.send(
                .POST, "auth/token/introspect", json: ["token": .string(refresh)], bearer: access)
            #expect(json["active"] == true)
            let text = try await h.send(
                .POST, "auth/token/introspect", raw: "token=\(refresh)", contentType: "text/plain", bearer: access)
            #expect(text.status == .unsupportedMediaType)
            let revoke = try await h.send(.POST, "auth/token/revoke", raw: "token=\(refresh)", bearer: access)
            #expect(revoke.status == .unsupportedMediaType)
        }
    }
}
