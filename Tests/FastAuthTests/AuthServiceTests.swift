import FastAuth
import FastAuthTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The core flows on the in-memory store and a manual clock (the SQL stores run the same
/// contract in FastAuthSQLTests; the HTTP tests run these flows on SQLite).
struct AuthHarness {
    let clock = ManualClock()
    let store = InMemoryStore()
    let auth: AuthService
    let context = RequestOrigin(clientAddress: "203.0.113.7", userAgent: "tests", requestID: "r1")

    init(
        security: SecurityConfig = SecurityConfig(passwordHashing: .insecureTesting), hooks: any EventHooks = NoHooks()
    ) async throws {
        let config = try FastAuthConfig(secret: TestFixtures.secret, hooks: hooks, security: security)
        let tokens = try await TokenService(config: config, clock: clock)
        auth = AuthService(
            config: config, store: store, tokens: tokens, hasher: try PasswordHasher(parameters: .insecureTesting))
    }

    func register(
        _ email: String = "ada@example.com", _ password: String = "correct horse battery"
    ) async throws -> SignIn {
        try await auth.register(email: email, password: password, name: "Ada", context: context)
    }

    func code(_ body: () async throws -> Void) async -> AuthError.Code? {
        do {
            try await body()
            return nil
        } catch let error as AuthError {
            return error.code
        } catch {
            return nil
        }
    }
}

struct RefuseAll: EventHooks {
    func allowSignin(user: UserAccount) async -> Bool { false }
}

@Suite("Auth flows")
struct AuthServiceTests {
    @Test("register creates a user with a normalised email and signs it in")
    func register() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register("  Ada@Example.COM ")
        #expect(signIn.user.email == "ada@example.com")
        #expect(signIn.user.isActive)
        let principal = try await h.auth.authenticate(accessToken: signIn.tokens.access.token)
        #expect(principal.user == signIn.user)
        #expect(principal.sessionID == signIn.session.id)
    }

    @Test("a duplicate email (any case) is 409; a weak password 400; a bad email 422")
    func registerRefusals() async throws {
        let h = try await AuthHarness()
        _ = try await h.register()
        #expect(await h.code { _ = try await h.register("ADA@example.com") } == .emailTaken)
        #expect(await h.code { _ = try await h.register("bob@example.com", "short") } == .weakPassword)
        #expect(
            await h.code { _ = try await h.register("bob@example.com", String(repeating: "x", count: 1_000_000)) }
                == .weakPassword)
        for bad in ["not-an-email", "a@b", "@example.com", "a@", "a b@example.com", "a@@example.com", ""] {
            #expect(await h.code { _ = try await h.register(bad) } == .validation, "\(bad)")
        }
    }

    @Test("login works with the right password; wrong password and unknown email look the same")
    func login() async throws {
        let h = try await AuthHarness()
        _ = try await h.register()
        let signIn = try await h.auth.login(
            email: "ADA@example.com", password: "correct horse battery", remember: false, context: h.context)
        #expect(signIn.user.email == "ada@example.com")
        #expect(
            await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: "wrong password!", remember: false, context: h.context)
            } == .invalidCredentials)
        #expect(
            await h.code {
                _ = try await h.auth.login(
                    email: "nobody@example.com", password: "correct horse battery", remember: false, context: h.context)
            } == .invalidCredentials)
    }

    @Test("remember-me logins get a 90-day refresh token")
    func rememberMe() async throws {
        let h = try await AuthHarness()
        _ = try await h.register()
        let signIn = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: true, context: h.context)
        let refresh = signIn.tokens.refresh.claims
        #expect(refresh.expiresAt - (refresh.issuedAt ?? 0) == 90 * 86_400)
        // And refreshing keeps the longer lifetime.
        let next = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context)
        #expect(next.refresh.claims.expiresAt - (next.refresh.claims.issuedAt ?? 0) == 90 * 86_400)
    }

    @Test(
        "five failures lock the (email, address) pair for five minutes, with Retry-After; other addresses are unaffected"
    )
    func lockout() async throws {
        let h = try await AuthHarness()
        _ = try await h.register()
        for _ in 0..<5 {
            #expect(
                await h.code {
                    _ = try await h.auth.login(
                        email: "ada@example.com", password: "wrong password!", remember: false, context: h.context)
                } == .invalidCredentials)
        }
        do {
            _ = try await h.auth.login(
                email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
            Issue.record("a locked account logged in")
        } catch {
            #expect(error.code == .rateLimited)
            #expect((error.retryAfter ?? 0) > 0 && (error.retryAfter ?? 0) <= 300)
        }
        let elsewhere = RequestOrigin(clientAddress: "198.51.100.1")
        _ = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: elsewhere)
        h.clock.advance(by: .seconds(301))
        _ = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
    }

    @Test("requests over the per-minute limit get 429 until the window ends")
    func rateLimit() async throws {
        let h = try await AuthHarness(
            security: SecurityConfig(rateLimitPerMinute: 3, passwordHashing: .insecureTesting))
        _ = try await h.register()
        for _ in 0..<3 {
            _ = try await h.auth.login(
                email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        }
        do {
            _ = try await h.auth.login(
                email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
            Issue.record("over the limit")
        } catch {
            #expect(error.code == .rateLimited)
            #expect(error.retryAfter != nil)
        }
        h.clock.advance(by: .seconds(60))
        _ = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
    }

    @Test("refresh rotates: the new pair works and belongs to the same session")
    func refreshRotation() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        let next = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context)
        #expect(next.refresh.claims.sessionID == signIn.session.id.rawValue)
        #expect(next.refresh.claims.tokenID != signIn.tokens.refresh.claims.tokenID)
        let third = try await h.auth.refresh(next.refresh.token, context: h.context)
        _ = try await h.auth.authenticate(accessToken: third.access.token)
    }

    @Test("reuse within the grace window yields a valid pair for the same session")
    func reuseWithinGrace() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        let first = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context)
        h.clock.advance(by: .seconds(5))
        let second = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context)
        #expect(second.refresh.claims.sessionID == signIn.session.id.rawValue)
        #expect(second.refresh.claims.tokenID == first.refresh.claims.tokenID)
        // The chain goes on from either copy.
        _ = try await h.auth.refresh(second.refresh.token, context: h.context)
    }

    @Test("only the token exchanged last has the grace window: an older one, even within it, revokes the session")
    func graceCoversTheLastExchangeOnly() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        let second = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context)
        h.clock.advance(by: .seconds(1))
        let third = try await h.auth.refresh(second.refresh.token, context: h.context)
        h.clock.advance(by: .seconds(1))
        #expect(
            await h.code { _ = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context) }
                == .refreshTokenReused)
        #expect(
            await h.code { _ = try await h.auth.refresh(third.refresh.token, context: h.context) }
                == .refreshTokenReused)
        #expect(await h.store.session(id: signIn.session.id)?.revokedAt != nil)
    }

    @Test("reuse after the grace window revokes that session only, never the user's other devices")
    func reuseAfterGrace() async throws {
        let h = try await AuthHarness()
        let phone = try await h.register()
        let laptop = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let rotated = try await h.auth.refresh(phone.tokens.refresh.token, context: h.context)
        h.clock.advance(by: .seconds(11))
        #expect(
            await h.code { _ = try await h.auth.refresh(phone.tokens.refresh.token, context: h.context) }
                == .refreshTokenReused)
        // The phone's whole family is dead, including the token that replaced the reused one …
        #expect(
            await h.code { _ = try await h.auth.refresh(rotated.refresh.token, context: h.context) }
                == .refreshTokenReused)
        // … and the laptop's session lives on.
        _ = try await h.auth.refresh(laptop.tokens.refresh.token, context: h.context)
    }

    @Test("20 concurrent refreshes of one token all return usable pairs for the same session")
    func concurrentRefresh() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        let token = signIn.tokens.refresh.token
        let auth = h.auth
        let context = h.context
        let pairs = try await withThrowingTaskGroup(of: TokenPair.self) { group in
            for _ in 0..<20 { group.addTask { try await auth.refresh(token, context: context) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(pairs.count == 20)
        #expect(Set(pairs.map(\.refresh.claims.sessionID)) == [signIn.session.id.rawValue])
        for pair in pairs { _ = try await h.auth.authenticate(accessToken: pair.access.token) }
        _ = try await h.auth.refresh(pairs[0].refresh.token, context: h.context)
    }

    @Test("refresh refuses access tokens, garbage and expired tokens")
    func refreshRefusals() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        #expect(
            await h.code { _ = try await h.auth.refresh(signIn.tokens.access.token, context: h.context) }
                == .invalidRefreshToken)
        #expect(await h.code { _ = try await h.auth.refresh("garbage", context: h.context) } == .invalidRefreshToken)
        h.clock.advance(by: .seconds(31 * 86_400))
        #expect(
            await h.code { _ = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context) }
                == .invalidRefreshToken)
    }

    @Test("inactive users cannot log in, refresh or call protected routes")
    func inactiveUser() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        await h.store.setActive(false, userID: signIn.user.id, now: h.clock.now())
        #expect(
            await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
            } == .accountDeactivated)
        #expect(
            await h.code { _ = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context) }
                == .accountDeactivated)
        #expect(
            await h.code { _ = try await h.auth.authenticate(accessToken: signIn.tokens.access.token) }
                == .accountDeactivated)
    }

    @Test(
        "a deactivation reaches authenticated requests and refreshes within the user cache's second, and at once with the cache off"
    )
    func userCache() async throws {
        let h = try await AuthHarness()
        let signIn = try await h.register()
        _ = try await h.auth.authenticate(accessToken: signIn.tokens.access.token)
        await h.store.setActive(false, userID: signIn.user.id, now: h.clock.now())
        _ = try await h.auth.authenticate(accessToken: signIn.tokens.access.token)
        _ = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context)
        h.clock.advance(by: .seconds(1))
        #expect(
            await h.code { _ = try await h.auth.authenticate(accessToken: signIn.tokens.access.token) }
                == .accountDeactivated)
        #expect(
            await h.code { _ = try await h.auth.refresh(signIn.tokens.refresh.token, context: h.context) }
                == .accountDeactivated)

        let uncached = try await AuthHarness(
            security: SecurityConfig(passwordHashing: .insecureTesting, userCacheTTL: .zero))
        let other = try await uncached.register()
        _ = try await uncached.auth.authenticate(accessToken: other.tokens.access.token)
        await uncached.store.setActive(false, userID: other.user.id, now: uncached.clock.now())
        #expect(
            await uncached.code { _ = try await uncached.auth.authenticate(accessToken: other.tokens.access.token) }
                == .accountDeactivated)
    }

    @Test("allowSignin returning false refuses the login")
    func allowSignin() async throws {
        let h = try await AuthHarness(hooks: RefuseAll())
        _ = try await h.register()
        #expect(
            await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
            } == .signinNotAllowed)
    }

    @Test("logout ends this session only; everywhere ends all")
    func logout() async throws {
        let h = try await AuthHarness()
        let one = try await h.register()
        let two = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let three = try await h.auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: h.context)
        let principal = try await h.auth.authenticate(accessToken: one.tokens.access.token)
        #expect(try await h.auth.sessions(of: principal).count == 3)
        #expect(try await h.auth.sessions(of: principal).filter(\.isCurrent).map(\.session.id) == [one.session.id])
        try await h.auth.logout(principal, everywhere: false, context: h.context)
        #expect(
            await h.code { _ = try await h.auth.refresh(one.tokens.refresh.token, context: h.context) }
                == .refreshTokenReused)
        _ = try await h.auth.refresh(two.tokens.refresh.token, context: h.context)
        let other = try await h.auth.authenticate(accessToken: three.tokens.access.token)
        try await h.auth.logout(other, everywhere: true, context: h.context)
        #expect(
            await h.code { _ = try await h.auth.refresh(three.tokens.refresh.token, context: h.context) }
                == .refreshTokenReused)
        #expect(try await h.auth.sessions(of: other).isEmpty)
    }

    @Test("sessions can be revoked one by one; an unknown or foreign id is not found")
    func revokeSessions() async throws {
        let h = try await AuthHarness()
        let ada = try await h.register()
        let bob = try await h.register("bob@example.com")
        let adaPrincipal = try await h.auth.authenticate(accessToken: ada.tokens.access.token)
        #expect(await h.code { try await h.auth.revokeSession(bob.session.id, of: adaPrincipal) } == .sessionNotFound)
        #expect(
            await h.code { try await h.auth.revokeSession(SessionID("nope"), of: adaPrincipal) } == .sessionNotFound)
        try await h.auth.revokeSession(ada.session.id, of: adaPrincipal)
        #expect(
            await h.code { _ = try await h.auth.refresh(ada.tokens.refresh.token, context: h.context) }
                == .refreshTokenReused)
        _ = try await h.auth.refresh(bob.tokens.refresh.token, context: h.context)
    }

    @Test("introspection tells a caller about its own tokens only")
    func introspection() async throws {
        let h = try await AuthHarness()
        let ada = try await h.register()
        let bob = try await h.register("bob@example.com")
        let adaPrincipal = try await h.auth.authenticate(accessToken: ada.tokens.access.token)
        #expect(try await h.auth.introspect(ada.tokens.access.token, by: adaPrincipal).active)
        #expect(try await h.auth.introspect(ada.tokens.refresh.token, by: adaPrincipal).active)
        #expect(try await !h.auth.introspect(bob.tokens.access.token, by: adaPrincipal).active)
        #expect(try await !h.auth.introspect(bob.tokens.refresh.token, by: adaPrincipal).active)
        #expect(try await !h.auth.introspect("garbage", by: adaPrincipal).active)
        _ = try await h.auth.refresh(ada.tokens.refresh.token, context: h.context)
        #expect(try await !h.auth.introspect(ada.tokens.refresh.token, by: adaPrincipal).active)
    }

    @Test("revocation ends the caller's session and silently ignores other users' and unknown tokens")
    func revocation() async throws {
        let h = try await AuthHarness()
        let ada = try await h.register()
        let bob = try await h.register("bob@example.com")
        let adaPrincipal = try await h.auth.authenticate(accessToken: ada.tokens.access.token)
        try await h.auth.revoke(bob.tokens.refresh.token, by: adaPrincipal, context: h.context)
        try await h.auth.revoke("garbage", by: adaPrincipal, context: h.context)
        _ = try await h.auth.refresh(bob.tokens.refresh.token, context: h.context)
        try await h.auth.revoke(ada.tokens.refresh.token, by: adaPrincipal, context: h.context)
        #expect(
            await h.code { _ = try await h.auth.refresh(ada.tokens.refresh.token, context: h.context) }
                == .refreshTokenReused)
    }
}

@Suite("Password hashing")
struct PasswordHasherTests {
    @Test("hashes are self-describing, salted, and verify only the right password")
    func roundTrip() async throws {
        let hasher = try PasswordHasher(parameters: .insecureTesting)
        let one = try await hasher.hash("correct horse battery")
        let two = try await hasher.hash("correct horse battery")
        #expect(one.hasPrefix("$scrypt$ln=4,r=8,p=1$"))
        #expect(one != two)
        #expect(await hasher.verify("correct horse battery", against: one))
        #expect(await !hasher.verify("correct horse batterY", against: one))
        for malformed in [
            "", "$scrypt$", "$scrypt$ln=99,r=8,p=1$AAAA$AAAA", "$argon2id$v=19$m=1,t=1,p=1$AA$AA", one + "x!",
        ] {
            #expect(await !hasher.verify("correct horse battery", against: malformed))
        }
    }

    @Test("unknown emails are checked against a well-formed dummy hash with the current parameters")
    func dummyHash() async throws {
        let hasher = try PasswordHasher(parameters: .insecureTesting)
        let parsed = try #require(PasswordHasher.parse(hasher.dummyHash))
        #expect(parsed.parameters == .insecureTesting && parsed.salt.count == 16 && parsed.hash.count == 32)
        #expect(await !hasher.verifyDummy("correct horse battery"))
    }

    @Test("the production default is OWASP's scrypt floor, and weaker hashes are flagged for rehash")
    func parameters() async throws {
        #expect(ScryptParameters.owasp == ScryptParameters(logN: 14, r: 8, p: 5))
        #expect(SecurityConfig().passwordHashing == .owasp)
        let weak = try await PasswordHasher(parameters: .insecureTesting).hash("pw")
        let strong = try PasswordHasher(parameters: ScryptParameters(logN: 6, r: 8, p: 1))
        #expect(strong.needsRehash(weak))
        #expect(!strong.needsRehash(try await strong.hash("pw")))
    }
}

@Suite("Password policy")
struct PasswordPolicyTests {
    @Test("length and character-class rules give the API's messages")
    func rules() {
        let policy = PasswordPolicy(requireUppercase: true, requireDigit: true)
        #expect(policy.violation(in: "short") == "Password must be at least 8 characters long")
        #expect(policy.violation(in: "alllowercase1") == "Password must contain at least one uppercase letter")
        #expect(policy.violation(in: "NoDigitsHere") == "Password must contain at least one digit")
        #expect(policy.violation(in: "Fine1234") == nil)
        #expect(
            PasswordPolicy().violation(in: String(repeating: "a", count: 129))
                == "Password must be at most 128 characters long")
    }
}
