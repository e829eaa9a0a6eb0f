import FastAuth
import FastAuthOAuth
import FastAuthTesting
import Foundation
import Synchronization
import Testing
import Vapor

@testable import fastauth

/// The social sign-in rules of the core (flow state bound to the browser, linking only when
/// both emails are verified, the unlink guard) on a real SQLite store, with identities as
/// `FastAuthOAuth` hands them over after verifying them. The provider side (ID tokens, PKCE,
/// GitHub) is FastAuthOAuthTests'; the whole path through `serve` is SocialEndToEndTests'.
@Suite("Social sign-in rules", .eachHTTPAdapter)
struct SocialSignInTests {
    static let social = SocialConfig(redirectURIs: ["https://app.example.com/welcome"])
    static let context = RequestOrigin(clientAddress: "192.0.2.7", userAgent: "tests", requestID: "req-1")

    static func identity(
        _ subject: String = "sub-1", provider: String = "google", email: String? = "ada@example.com",
        verified: Bool = true
    ) -> ProviderIdentity {
        ProviderIdentity(
            provider: provider, subject: subject, issuer: "https://accounts.google.com", email: email,
            emailVerified: verified, name: "Ada", picture: nil)
    }

    static func code(_ body: () async throws -> some Any) async -> String? {
        do {
            _ = try await body()
            return nil
        } catch let error as AuthError {
            return error.code.name
        } catch {
            return "unexpected: \(error)"
        }
    }

    static func begin(
        _ auth: AuthService, state: String = "state-1", binding: String? = nil, redirect: String? = nil
    )
        async throws -> String
    {
        try await auth.beginSocialFlow(
            provider: "google", purpose: .signIn, userID: nil, state: state,
            codeVerifier: String(repeating: "v", count: 43),
            nonce: "n", redirectURI: redirect, binding: binding, context: context)
    }

    @Test("a flow is completed once, only with the binding cookie of the browser that started it, before it expires")
    func flowBinding() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            let auth = harness.auth
            let binding = try await Self.begin(auth, state: "state-1")
            #expect(binding.utf8.count == 43, "a fresh binding of 32 random bytes")
            #expect(
                try await Self.begin(auth, state: "state-2", binding: binding) == binding,
                "the browser keeps its binding")
            #expect(
                try await Self.begin(auth, state: "state-3", binding: "junk") != "junk", "a malformed one is replaced")

            func complete(
                _ state: String?, _ binding: String?, provider: String = "google", purpose: OAuthFlowPurpose = .signIn
            )
                async -> String?
            {
                await Self.code {
                    try await auth.completeSocialFlow(
                        provider: provider, purpose: purpose, state: state, binding: binding, context: Self.context)
                }
            }
            let stranger = try await Self.begin(auth, state: "their-state")
            #expect(await complete("state-1", nil) == "invalid_state", "no binding cookie")
            #expect(await complete("state-1", stranger) == "invalid_state", "another browser's binding cookie")
            #expect(await complete("state-1", binding, provider: "github") == "invalid_state", "another provider")
            #expect(await complete("state-1", binding, purpose: .link) == "invalid_state", "another purpose")
            #expect(await complete(nil, binding) == "invalid_state")
            #expect(await complete("state-1", binding) == nil, "the refusals did not use the flow up")
            #expect(await complete("state-1", binding) == "invalid_state", "a replayed state")

            _ = try await Self.begin(auth, state: "late", binding: binding)
            harness.clock.advance(by: .seconds(600))
            #expect(await complete("late", binding) == "invalid_state", "expired after the flow's 10 minutes")
            harness.clock.advance(by: .seconds(1))
            #expect(try await auth.housekeeping.runOnce().oauthFlows >= 1, "housekeeping purges expired flows")
        }
    }

    @Test("redirect_uri must be exactly one of the allowlist")
    func redirectAllowlist() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            for uri in [
                "https://evil.example/welcome", "https://app.example.com/welcome/../x",
                "https://app.example.com/welcome?x=1",
                "https://app.example.com/welcom", "HTTPS://APP.EXAMPLE.COM/welcome",
            ] {
                #expect(
                    await Self.code { try await Self.begin(harness.auth, state: uri, redirect: uri) }
                        == "invalid_redirect_uri", "\(uri)")
            }
            let binding = try await Self.begin(harness.auth, state: "ok", redirect: "https://app.example.com/welcome")
            let flow = try await harness.auth.completeSocialFlow(
                provider: "google", purpose: .signIn, state: "ok", binding: binding, context: Self.context)
            #expect(flow.redirectURI == "https://app.example.com/welcome")
        }
    }

    @Test("a pre-registered unverified account with the victim's email: 409 account_not_linked, nothing changes")
    func preRegisteredUnverifiedAccount() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            let (access, _) = try await harness.register("victim@example.com", password: "attacker password")
            let before = try #require(try await harness.auth.store.credentials(email: "victim@example.com"))
            let code = await Self.code {
                try await harness.auth.signIn(with: Self.identity(email: "victim@example.com"), context: Self.context)
            }
            #expect(code == "account_not_linked")
            let after = try #require(try await harness.auth.store.credentials(email: "victim@example.com"))
            #expect(after == before, "not verified, password kept, nothing touched")
            #expect(try await harness.auth.store.providerAccount(provider: "google", providerAccountID: "sub-1") == nil)
            #expect(try await harness.send(.GET, "auth/oauth/accounts", bearer: access).body == "[]")
        }
    }

    @Test("a verified local account and an unverified provider email: 409, nothing linked")
    func unverifiedProviderEmail() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            _ = try await harness.register("ada@example.com")
            let id = try #require(try await harness.auth.store.credentials(email: "ada@example.com")).account.id
            try await harness.auth.store.setEmailVerified(true, userID: id, now: harness.clock.now())
            let code = await Self.code {
                try await harness.auth.signIn(with: Self.identity(verified: false), context: Self.context)
            }
            #expect(code == "account_not_linked")
            #expect(try await harness.auth.store.providerAccounts(userID: id).isEmpty)
        }
    }

    @Test("both emails verified: the provider is linked to the existing account and signs it in")
    func linkByVerifiedEmail() async throws {
        let hooks = SocialHooks()
        try await withHarness(hooks: hooks, social: Self.social) { harness, _ in
            _ = try await harness.register("ada@example.com")
            let stored = try #require(try await harness.auth.store.credentials(email: "ada@example.com"))
            try await harness.auth.store.setEmailVerified(true, userID: stored.account.id, now: harness.clock.now())
            let signIn = try await harness.auth.signIn(
                with: Self.identity(email: "ADA@example.com"), context: Self.context)
            #expect(signIn.user.id == stored.account.id)
            #expect(
                try await harness.auth.store.credentials(email: "ada@example.com")?.passwordHash == stored.passwordHash)
            #expect(
                try await harness.auth.store.providerAccounts(userID: stored.account.id).map(\.provider) == ["google"])
            #expect(
                hooks.events == ["signup", "linked google", "signin google"], "signup is the password registration's")
        }
    }

    @Test(
        "a new provider user: email verified, no password, the same user next time; an unverified email creates nobody")
    func signUp() async throws {
        let hooks = SocialHooks()
        try await withHarness(hooks: hooks, social: Self.social) { harness, _ in
            let first = try await harness.auth.signIn(
                with: Self.identity(email: "new@example.com"), context: Self.context)
            #expect(first.user.emailVerified)
            #expect(try await harness.auth.store.credentials(email: "new@example.com")?.passwordHash == nil)
            let again = try await harness.auth.signIn(
                with: Self.identity(email: "changed@example.com"), context: Self.context)
            #expect(again.user.id == first.user.id, "the identity is (provider, subject), not the email")
            #expect(hooks.events == ["signup", "signin google", "signin google"])
            let login = try await harness.send(
                .POST, "auth/login", json: ["email": "new@example.com", "password": "whatever password"])
            #expect(login.status == .unauthorized)

            let code = await Self.code {
                try await harness.auth.signIn(
                    with: Self.identity("sub-2", email: "unverified@example.com", verified: false),
                    context: Self.context)
            }
            #expect(code == "provider_email_unverified")
            #expect(try await harness.auth.store.emailExists("unverified@example.com") == false)
            #expect(
                await Self.code {
                    try await harness.auth.signIn(with: Self.identity("sub-3", email: nil), context: Self.context)
                }
                    == "provider_email_unverified")
        }
    }

    @Test("allowSignin(user, provider) refuses with 403; a deactivated user cannot sign in with a provider")
    func refusals() async throws {
        try await withHarness(hooks: ProviderGate(refused: "github"), social: Self.social) { harness, _ in
            #expect(
                await Self.code {
                    try await harness.auth.signIn(with: Self.identity(provider: "github"), context: Self.context)
                }
                    == "signin_not_allowed")
            let user = try await harness.auth.signIn(with: Self.identity(), context: Self.context).user
            try await harness.auth.store.setActive(false, userID: user.id, now: harness.clock.now())
            #expect(
                await Self.code { try await harness.auth.signIn(with: Self.identity(), context: Self.context) }
                    == "account_deactivated")
        }
    }

    @Test("explicit linking: idempotent for the same user, 409 for an account another user has")
    func explicitLink() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            _ = try await harness.register("carol@example.com")
            let carol = try #require(try await harness.auth.store.credentials(email: "carol@example.com")).account.id
            let other = try await harness.auth.signIn(
                with: Self.identity("taken", email: "dan@example.com"), context: Self.context
            ).user
            let link = try await harness.auth.link(
                Self.identity("carol-at-google", email: "elsewhere@example.com", verified: false), to: carol,
                context: Self.context)
            #expect(link.email == nil, "an unverified provider email is not recorded")
            _ = try await harness.auth.link(Self.identity("carol-at-google"), to: carol, context: Self.context)
            #expect(
                await Self.code {
                    try await harness.auth.link(Self.identity("taken"), to: carol, context: Self.context)
                } == "account_already_linked")
            #expect(
                await Self.code {
                    try await harness.auth.link(Self.identity("second-google"), to: carol, context: Self.context)
                } == "account_already_linked")
            #expect(
                try await harness.auth.store.providerAccounts(userID: other.id).map(\.providerAccountID) == ["taken"])
            let signIn = try await harness.auth.signIn(
                with: Self.identity("carol-at-google", email: "elsewhere@example.com"), context: Self.context)
            #expect(signIn.user.id == carol)
        }
    }

    @Test("unlink: 409 for the last way to sign in, 404 for a provider not linked, 200 otherwise")
    func unlinkGuard() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            let signIn = try await harness.auth.signIn(with: Self.identity(), context: Self.context)
            let access = signIn.tokens.access.token
            let last = try await harness.send(.DELETE, "auth/oauth/accounts/google", bearer: access)
            #expect(last.status == .conflict && last["code"] == "last_sign_in_method", "\(last.body)")
            let missing = try await harness.send(.DELETE, "auth/oauth/accounts/github", bearer: access)
            #expect(missing.status == .notFound && missing.detail == "No linked github account found")
            harness.clock.advance(by: .seconds(1))
            _ = try await harness.auth.link(
                Self.identity("42", provider: "github"), to: signIn.user.id, context: Self.context)
            let listed = try await harness.send(.GET, "auth/oauth/accounts", bearer: access)
            #expect(
                listed.json?.arrayValue?.compactMap { $0["provider"]?.stringValue } == ["google", "github"],
                "\(listed.body)")
            #expect(listed.json?.arrayValue?.first?["email"] == "ada@example.com")
            let unlinked = try await harness.send(.DELETE, "auth/oauth/accounts/google", bearer: access)
            #expect(unlinked.status == .ok && unlinked["message"] == "Account unlinked")
            #expect(try await harness.send(.DELETE, "auth/oauth/accounts/github", bearer: access).status == .conflict)
            #expect(try await harness.send(.GET, "auth/oauth/accounts").status == .unauthorized)
        }
    }

    @Test("an account without a password is deleted on a recent sign-in (its token under 5 minutes old), not later")
    func deletePasswordless() async throws {
        try await withHarness(social: Self.social) { harness, _ in
            let stale = try await harness.auth.signIn(with: Self.identity(), context: Self.context).tokens.access.token
            harness.clock.advance(by: .seconds(301))
            let refused = try await harness.send(.DELETE, "auth/account", bearer: stale)
            #expect(refused.status == .forbidden && refused["code"] == "recent_sign_in_required", "\(refused.body)")
            let fresh = try await harness.auth.signIn(with: Self.identity(), context: Self.context).tokens.access.token
            let deleted = try await harness.send(.DELETE, "auth/account", bearer: fresh)
            #expect(deleted.status == .ok && deleted["message"] == "Account deleted successfully", "\(deleted.body)")
            #expect(try await harness.send(.GET, "auth/me", bearer: fresh).status == .unauthorized)

            // An account with a password still needs it, answered as before.
            let (access, _) = try await harness.register("pw@example.com")
            let missing = try await harness.send(.DELETE, "auth/account", bearer: access)
            #expect(missing.status == .unprocessableEntity, "\(missing.body)")
            let wrong = try await harness.send(
                .DELETE, "auth/account", json: ["password": "not the password"], bearer: access)
            #expect(wrong.status == .badRequest && wrong.detail == "Password is incorrect")
        }
    }

    @Test("without configured providers the routes answer 404 provider_not_found, and are in the OpenAPI document")
    func noProviders() async throws {
        try await withHarness { harness, _ in
            let reply = try await harness.send(.GET, "auth/oauth/google/authorize")
            #expect(
                reply.status == .notFound && reply.detail == "OAuth provider 'google' not found"
                    && reply["code"] == "provider_not_found")
            #expect(try await harness.send(.GET, "auth/oauth/google/callback?code=x&state=y").status == .notFound)
            let document = try await harness.send(.GET, "auth/openapi.json")
            let paths = document.json?["paths"]
            for path in [
                "/auth/oauth/{provider}/authorize", "/auth/oauth/{provider}/callback", "/auth/oauth/{provider}/link",
                "/auth/oauth/{provider}/link/callback", "/auth/oauth/accounts", "/auth/oauth/accounts/{provider}",
            ] {
                #expect(paths?[path] != nil, "\(path) missing from the OpenAPI document")
            }
        }
    }

    @Test("the redirect allowlist is validated with the configuration")
    func allowlistValidation() {
        #expect(throws: ConfigurationError.self) {
            try FastAuthConfig(
                secret: TestFixtures.secret, social: SocialConfig(redirectURIs: ["app.example.com/welcome"]))
        }
        #expect(throws: ConfigurationError.self) {
            try FastAuthConfig(
                secret: TestFixtures.secret, social: SocialConfig(redirectURIs: ["https://app.example.com/#frag"]))
        }
        #expect(throws: Never.self) {
            try FastAuthConfig(
                secret: TestFixtures.secret, social: SocialConfig(redirectURIs: ["http://localhost:3000/cb?x=1"]))
        }
    }
}

/// Records the social hooks' calls.
final class SocialHooks: EventHooks {
    private let recorded = Mutex<[String]>([])
    var events: [String] { recorded.withLock { $0 } }
    func onSignup(user: UserAccount) async { recorded.withLock { $0.append("signup") } }
    func onSignin(user: UserAccount, provider: String, sessionID: FastAuth.SessionID) async {
        recorded.withLock { $0.append("signin \(provider)") }
    }
    func onOAuthLinked(user: UserAccount, provider: String) async {
        recorded.withLock { $0.append("linked \(provider)") }
    }
}

/// Refuses social sign-ins with one provider.
struct ProviderGate: EventHooks {
    let refused: String
    func allowSignin(user: UserAccount, provider: String) async -> Bool { provider != refused }
}

/// `fastauth serve` against a real OpenID Connect provider (oidc-provider-mock) and a GitHub
/// stand-in, driven by Tests/E2E/social_signin.py.
@Suite("Social sign-in end to end through serve", .enabled(if: E2EPython.oidcEnabled, E2EPython.oidcSkipMessage))
struct SocialEndToEndTests {
    @Test("sign-up, sign-in again, linking, the unlink guard, GitHub, and the attacks refused")
    func endToEnd() async throws {
        try E2EPython.requireOIDC()
        let binary = try #require(MultiInstanceTests.binary, "build the fastauth executable first (swift build)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/social_signin.py").standardized.path
        let run = try await E2EPython.run(script, ["--fastauth", binary], needsPackages: false)
        let result = run.output
        let summary = result.jsonString
        #expect(result["error"] == nil, "\(summary)\n\(run.stderr)")
        #expect(result["providers_status"] == 0, "\(summary)")
        let providers = result["providers_output"]?.stringValue ?? ""
        #expect(providers.contains("/auth/oauth/mock/callback") && providers.contains("discovery: ok"), "\(providers)")
        #expect(result["authorize"] == 200, "\(summary)")
        #expect(
            result["binding_cookie"] == ["set": true, "path": "/auth/oauth", "http_only": true, "same_site_lax": true],
            "\(summary)")
        #expect(
            result["authorize_params"]?["pkce_s256"] == true && result["authorize_params"]?["nonce"] == true,
            "\(summary)")
        #expect(
            result["authorize_params"]?["redirect_uri"]?.stringValue?.hasSuffix("/auth/oauth/mock/callback") == true,
            "\(summary)")
        #expect(result["signup_callback"] == 200, "\(summary)")
        #expect(result["signup_me"] == ["status": 200, "email": "alice@example.com", "verified": true], "\(summary)")
        #expect(result["replayed_state"] == ["status": 400, "code": "invalid_state"], "\(summary)")
        #expect(result["signin_again_same_user"] == true, "\(summary)")
        #expect(result["passwordless_login"] == 401, "\(summary)")
        #expect(result["callback_without_cookie"] == ["status": 400, "code": "invalid_state"], "\(summary)")
        #expect(result["callback_other_browser"] == ["status": 400, "code": "invalid_state"], "\(summary)")
        #expect(result["callback_owner_after_refusals"] == 200, "\(summary)")
        #expect(result["redirect_not_allowed"] == ["status": 400, "code": "invalid_redirect_uri"], "\(summary)")
        #expect(result["redirect_prefix_not_allowed"] == 400, "\(summary)")
        #expect(
            result["redirect_allowed"] == [
                "status": 302, "location": "http://app.example.test/welcome", "access_cookie": true,
            ],
            "\(summary)")
        #expect(result["mode_redirect"] == ["status": 302, "to_provider": true], "\(summary)")
        #expect(result["attacker_register"] == 201, "\(summary)")
        #expect(
            result["unverified_local_account"] == ["status": 409, "code": "account_not_linked", "has_tokens": false],
            "\(summary)")
        #expect(result["attacker_account_after"] == ["login": 200, "verified": false, "links": []], "\(summary)")
        #expect(result["link_start"] == 200 && result["link_start_without_bearer"] == 401, "\(summary)")
        #expect(
            result["link_callback"] == ["status": 200, "message": "Mock account linked successfully"], "\(summary)")
        #expect(result["carol_links"]?.arrayValue?.first?["provider"] == "mock", "\(summary)")
        #expect(result["carol_links"]?.arrayValue?.first?["provider_account_id"] == "carol-sub", "\(summary)")
        #expect(result["linked_signin"] == ["status": 200, "email": "carol@example.com"], "\(summary)")
        #expect(result["carol_unlink"] == 200, "\(summary)")
        #expect(result["link_taken_account"] == ["status": 409, "code": "account_already_linked"], "\(summary)")
        #expect(result["unlink_last_method"] == ["status": 409, "code": "last_sign_in_method"], "\(summary)")
        #expect(result["unlink_not_linked"] == 404, "\(summary)")
        #expect(result["github_authorize"] == ["status": 200, "pkce_s256": true, "nonce": false], "\(summary)")
        #expect(
            result["github_signin"] == ["status": 200, "email": "octo@example.com", "verified": true], "\(summary)")
        #expect(result["provider_refusal"] == ["status": 400, "echoed": false], "\(summary)")
        #expect(result["bad_code"] == ["status": 400, "echoed": false, "code": "provider_error"], "\(summary)")
        #expect(result["unknown_provider"] == 404, "\(summary)")
    }
}

@Suite("serve's social sign-in settings and fastauth providers")
struct SocialSettingsTests {
    static let base = ["FASTAUTH_SECRET": TestFixtures.secret]

    @Test("FASTAUTH_OAUTH_* configures Google, GitHub (Enterprise) and generic OIDC providers")
    func providers() throws {
        let settings = try ServeSettings.load(
            environment: Self.base.merging([
                "FASTAUTH_OAUTH_GOOGLE_CLIENT_ID": "g-id", "FASTAUTH_OAUTH_GOOGLE_CLIENT_SECRET": "g-secret",
                "FASTAUTH_OAUTH_GITHUB_CLIENT_ID": "gh-id", "FASTAUTH_OAUTH_GITHUB_CLIENT_SECRET": "gh-secret",
                "FASTAUTH_OAUTH_GITHUB_URL": "https://github.example.com/",
                "FASTAUTH_OAUTH_OIDC_KEYCLOAK_ISSUER": "https://sso.example.com/realms/main",
                "FASTAUTH_OAUTH_OIDC_KEYCLOAK_CLIENT_ID": "kc",
                "FASTAUTH_OAUTH_OIDC_KEYCLOAK_CLIENT_SECRET": "kc-secret",
                "FASTAUTH_OAUTH_REDIRECT_URIS": "https://app.example.com/a, https://app.example.com/b",
            ]) { $1 })
        #expect(settings.providers.map(\.id) == ["google", "github", "keycloak"])
        #expect(settings.config.social.redirectURIs == ["https://app.example.com/a", "https://app.example.com/b"])
        guard case .github(let endpoints) = settings.providers[1].kind else { Issue.record("not GitHub"); return }
        #expect(endpoints.authorize.absoluteString == "https://github.example.com/login/oauth/authorize")
        #expect(endpoints.api.absoluteString == "https://github.example.com/api/v3")
    }

    @Test("half-configured providers, an http issuer and a missing allowlist are all reported at once")
    func problems() {
        do {
            _ = try ServeSettings.load(
                environment: Self.base.merging([
                    "FASTAUTH_OAUTH_GOOGLE_CLIENT_ID": "g-id",
                    "FASTAUTH_OAUTH_OIDC_CORP_ISSUER": "http://sso.example.com",
                    "FASTAUTH_OAUTH_OIDC_CORP_CLIENT_ID": "c",
                    "FASTAUTH_OAUTH_OIDC_CORP_CLIENT_SECRET": "s", "FASTAUTH_OAUTH_OIDC_X_TYPO": "1",
                ]) { $1 })
            Issue.record("the settings were accepted")
        } catch {
            let text = error.problems.joined(separator: "\n")
            #expect(
                text.contains("FASTAUTH_OAUTH_GOOGLE_CLIENT_ID is set without FASTAUTH_OAUTH_GOOGLE_CLIENT_SECRET"),
                "\(text)")
            #expect(text.contains("issuer must be an https URL"), "\(text)")
            #expect(text.contains("FASTAUTH_OAUTH_REDIRECT_URIS is required"), "\(text)")
            #expect(text.contains("FASTAUTH_OAUTH_OIDC_X_TYPO is not one of"), "\(text)")
        }
    }

    @Test("fastauth providers prints the redirect URIs to register and never a client secret")
    func providersCommand() async {
        let report = await ProvidersCommand.report(
            environment: [
                "FASTAUTH_OAUTH_GITHUB_CLIENT_ID": "gh-id", "FASTAUTH_OAUTH_GITHUB_CLIENT_SECRET": "very-secret-value",
                "FASTAUTH_PUBLIC_URL": "https://auth.example.com/",
                "FASTAUTH_OAUTH_REDIRECT_URIS": "https://app.example.com/in",
            ], check: false)
        #expect(!report.failed)
        #expect(report.text.contains("https://auth.example.com/auth/oauth/github/callback"), "\(report.text)")
        #expect(report.text.contains("https://auth.example.com/auth/oauth/github/link/callback"))
        #expect(!report.text.contains("very-secret-value"))
        let none = await ProvidersCommand.report(environment: [:], check: false)
        #expect(!none.failed && none.text.contains("No social sign-in provider is configured"))
        let missing = await ProvidersCommand.report(
            environment: ["FASTAUTH_OAUTH_GITHUB_CLIENT_ID": "a", "FASTAUTH_OAUTH_GITHUB_CLIENT_SECRET": "b"],
            check: false)
        #expect(missing.failed && missing.text.contains("FASTAUTH_OAUTH_REDIRECT_URIS is not set"))
    }
}
