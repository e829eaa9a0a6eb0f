import FastAuth
import Foundation
import NIOHTTP1
import Testing

@testable import FastAuthOAuth

/// GitHub through a STAND-IN server (Tests/E2E/github_standin.py, standard-library Python):
/// GitHub itself cannot be reached from the test machine. The stand-in implements the
/// authorize redirect, the token endpoint with a real PKCE S256 check, `/user` and `/user/emails`
/// with GitHub's documented JSON shapes.
@Suite("GitHub (stand-in server)")
struct GitHubTests {
    static let redirectURI = "http://127.0.0.1:9/auth/oauth/github/callback"
    static let user =
        #"{"login":"octocat","id":583231,"node_id":"MDQ6VXNlcjU4MzIzMQ==","avatar_url":"https://avatars.githubusercontent.com/u/583231?v=4","type":"User","site_admin":false,"name":"The Octocat","email":null}"#

    static func standIn(emails: String) async throws -> ScriptServer {
        try await ScriptServer.start(
            "github_standin.py",
            ["--client-id", "gh-client", "--client-secret", "gh-secret", "--user", user, "--emails", emails])
    }

    static func provider(_ server: ScriptServer) throws -> OAuthProvider {
        .github(
            clientID: "gh-client", clientSecret: "gh-secret",
            endpoints: .init(
                authorize: try #require(URL(string: server.base + "/login/oauth/authorize")),
                token: try #require(URL(string: server.base + "/login/oauth/access_token")),
                api: try #require(URL(string: server.base))))
    }

    /// The stand-in's authorize step (auto-approved): the code from its redirect.
    static func authorize(_ start: OAuthFlowStart) async throws -> String {
        let response = try await TestHTTP.send(.GET, start.url.absoluteString)
        #expect(response.status == 302)
        let location = try #require(response.headers.first(name: "Location"))
        let query = TestHTTP.query(location)
        #expect(query["state"] == start.values.state)
        return try #require(query["code"])
    }

    @Test("the authorization URL carries GitHub's scopes, state and a PKCE S256 challenge, and no nonce")
    func authorizationURL() async throws {
        let start = try await OAuthClient().start(
            .github(clientID: "gh-client", clientSecret: "s"), redirectURI: Self.redirectURI)
        #expect(start.url.absoluteString.hasPrefix("https://github.com/login/oauth/authorize?"))
        let query = TestHTTP.query(start.url.absoluteString)
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == "gh-client")
        #expect(query["redirect_uri"] == Self.redirectURI)
        #expect(query["scope"] == "read:user user:email")
        #expect(query["state"] == start.values.state)
        #expect(query["code_challenge"] == start.values.codeChallenge)
        #expect(query["code_challenge_method"] == "S256")
        #expect(query["nonce"] == nil)
        #expect(start.values.nonce == nil)
    }

    @Test("sign-in: the numeric id is the subject, the primary verified email counts")
    func happyPath() async throws {
        let server = try await Self.standIn(
            emails:
                #"[{"email":"old@example.com","primary":false,"verified":true,"visibility":null},{"email":"octocat@github.com","primary":true,"verified":true,"visibility":"public"}]"#
        )
        defer { server.stop() }
        let client = OAuthClient()
        let provider = try Self.provider(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let code = try await Self.authorize(start)
        let identity = try await client.finish(provider, code: code, flow: start.values, redirectURI: Self.redirectURI)
        #expect(identity.provider == "github")
        #expect(identity.subject == "583231")
        #expect(identity.email == "octocat@github.com")
        #expect(identity.emailVerified)
        #expect(identity.name == "The Octocat")
        #expect(identity.picture == "https://avatars.githubusercontent.com/u/583231?v=4")
    }

    @Test("an unverified primary email does not count (a verified secondary one neither)")
    func unverifiedPrimary() async throws {
        let server = try await Self.standIn(
            emails:
                #"[{"email":"octocat@github.com","primary":true,"verified":false,"visibility":"public"},{"email":"other@example.com","primary":false,"verified":true,"visibility":null}]"#
        )
        defer { server.stop() }
        let client = OAuthClient()
        let provider = try Self.provider(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let code = try await Self.authorize(start)
        let identity = try await client.finish(provider, code: code, flow: start.values, redirectURI: Self.redirectURI)
        #expect(identity.subject == "583231")
        #expect(identity.email == nil)
        #expect(!identity.emailVerified)
        #expect(throws: OAuthError.self) { try identity.requireVerifiedEmail() }
    }

    @Test("a code_verifier that does not match the challenge is exchangeFailed, without the provider's body")
    func pkceMismatch() async throws {
        let server = try await Self.standIn(emails: "[]")
        defer { server.stop() }
        let client = OAuthClient()
        let provider = try Self.provider(server)
        let start = try await client.start(provider, redirectURI: Self.redirectURI)
        let code = try await Self.authorize(start)
        let wrong = OAuthFlowValues(state: start.values.state, codeVerifier: PKCE.generateVerifier(), nonce: nil)
        let error = await #expect(throws: OAuthError.self) {
            try await client.finish(provider, code: code, flow: wrong, redirectURI: Self.redirectURI)
        }
        #expect(error?.code == .exchangeFailed)
        let text = error.map { "\($0)" } ?? ""
        #expect(!text.contains("STANDIN-PROVIDER-ERROR-BODY"))
        #expect(!text.contains("bad_verification_code"))
    }
}
