import FastAuth
import FastAuthSQL
import FastAuthTesting
import Foundation
import SQLKit
import Testing

/// No table grows without bound: after the housekeeping pass, every table is back to its live
/// size. On a real SQLite file (and PostgreSQL when configured), with a manual clock.
@Suite("Housekeeping")
struct HousekeepingTests {
    static func rows(_ table: String, _ store: SQLAuthStore) async throws -> Int {
        try await store.database.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first()?.decode(
            column: "n", as: Int.self) ?? -1
    }

    @Test(
        "counters, locks, login attempts and long-ended sessions are purged; live rows stay",
        arguments: HTTPConcurrencyTests.engines)
    func purge(postgres: Bool) async throws {
        try await withTestDatabase(postgres: postgres) { store in
            let clock = ManualClock()
            let config = try FastAuthConfig(
                secret: TestFixtures.secret,
                security: SecurityConfig(
                    rateLimitPerMinute: 1000, passwordHashing: .insecureTesting, maxSessionsPerUser: 3))
            let tokens = try await TokenService(config: config, clock: clock)
            let auth = AuthService(
                config: config, store: store, tokens: tokens, hasher: try PasswordHasher(parameters: .insecureTesting))
            let context = RequestOrigin(clientAddress: "198.51.100.7")
            for index in 0..<4 {
                let email = "user\(index)@example.com"
                let signIn = try await auth.register(
                    email: email, password: "correct horse battery", name: nil, context: context)
                for _ in 0..<4 {
                    _ = try await auth.login(
                        email: email, password: "correct horse battery", remember: false, context: context)
                }
                for _ in 0..<7 {
                    _ = try? await auth.login(
                        email: email, password: "wrong password!", remember: false, context: context)
                }
                _ = try? await auth.refresh(signIn.tokens.refresh.token, context: context)
            }
            #expect(try await Self.rows("fastauth_sessions", store) == 20)
            #expect(try await Self.rows("fastauth_login_attempts", store) > 0)
            #expect(try await Self.rows("fastauth_counters", store) > 0)

            // 31 days on every session has expired; 7 days after that they are deleted.
            clock.advance(by: .seconds(38 * 86_400))
            let live = try await auth.login(
                email: "user0@example.com", password: "correct horse battery", remember: false, context: context)
            try await auth.housekeeping.runOnce()
            #expect(try await Self.rows("fastauth_sessions", store) == 1)
            #expect(try await store.session(id: live.session.id) != nil)
            #expect(try await Self.rows("fastauth_login_attempts", store) == 0)
            #expect(try await Self.rows("fastauth_counters", store) == 1)  // this minute's login counter
            #expect(try await Self.rows("fastauth_locks", store) == 0)
            clock.advance(by: .seconds(61))
            try await auth.housekeeping.runOnce()
            #expect(try await Self.rows("fastauth_counters", store) == 0)
        }
    }

    @Test(
        "a user keeps at most maxSessionsPerUser live sessions: a new sign-in ends the least recently used, whose access token stops"
    )
    func sessionLimit() async throws {
        try await withTestDatabase { store in
            let clock = ManualClock()
            let config = try FastAuthConfig(
                secret: TestFixtures.secret,
                security: SecurityConfig(passwordHashing: .insecureTesting, maxSessionsPerUser: 2))
            let auth = AuthService(
                config: config, store: store, tokens: try await TokenService(config: config, clock: clock),
                hasher: try PasswordHasher(parameters: .insecureTesting))
            let context = RequestOrigin(clientAddress: "198.51.100.7")
            let first = try await auth.register(
                email: "ada@example.com", password: "correct horse battery", name: nil, context: context)
            clock.advance(by: .seconds(10))
            let second = try await auth.login(
                email: "ada@example.com", password: "correct horse battery", remember: false, context: context)
            clock.advance(by: .seconds(10))
            // the first is now the most recently used
            _ = try await auth.refresh(first.tokens.refresh.token, context: context)
            clock.advance(by: .seconds(10))
            let third = try await auth.login(
                email: "ada@example.com", password: "correct horse battery", remember: false, context: context)
            let principal = try await auth.authenticate(accessToken: third.tokens.access.token)
            #expect(
                Set(try await auth.sessions(of: principal).map(\.session.id)) == [first.session.id, third.session.id])
            await #expect(throws: AuthError.self) {
                try await auth.authenticate(accessToken: second.tokens.access.token)
            }
        }
    }

    @Test("the loop runs a pass, then one per interval, until its sleep is cancelled")
    func loop() async throws {
        let store = InMemoryStore()
        let clock = ManualClock()
        let user = try await store.createUser(StoredUser(account: TestFixtures.user(), passwordHash: "x"))
        // Ended nine days before the first pass: the first pass deletes it.
        let ended = SessionRecord(
            id: .generate(), userID: user.id, createdAt: clock.now().addingTimeInterval(-10 * 86_400),
            expiresAt: clock.now().addingTimeInterval(-9 * 86_400))
        try await store.createSession(ended)
        let service = HousekeepingService(
            store: store, clock: clock, interval: .seconds(3600), retention: .seconds(7 * 86_400))
        let sleeps = Tally()
        // No waiting: each "sleep" advances the manual clock by the interval; the third is cancelled.
        await service.run { interval in
            #expect(interval == .seconds(3600))
            sleeps.add(1)
            if sleeps.total == 3 { throw CancellationError() }
            clock.advance(by: interval)
        }
        #expect(sleeps.total == 3)
        #expect(await store.session(id: ended.id) == nil)
    }
}
