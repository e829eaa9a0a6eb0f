import FastAuth
import Foundation
import Testing

/// The behaviour every ``AuthStore`` must have, written once and run against the in-memory store,
/// SQLite and PostgreSQL. Each case gets a fresh store with its tables created; ids, emails and
/// keys are unique per run, so a shared database never makes one case see another's rows.
enum StoreContract {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (any AuthStore) async throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] =
        users + sessions + consumption + rateLimits + concurrency + roles + accounts + lifecycle
        + social

    // MARK: Users

    static let users: [Case] = [
        Case(name: "a created user reads back by id and by email, with every field") { store async throws in
            let stored = Samples.user(image: "https://example.com/ada.png", emailVerified: true)
            let account = try await store.createUser(stored)
            #expect(account == stored.account)
            #expect(try await store.user(id: stored.account.id) == stored.account)
            #expect(try await store.credentials(email: stored.account.email) == stored)
            #expect(try await store.emailExists(stored.account.email))
            let bare = Samples.user(name: nil, image: nil, isActive: false)
            _ = try await store.createUser(bare)
            #expect(try await store.credentials(email: bare.account.email) == bare)
        },
        Case(name: "unknown ids and emails read as nothing") { store async throws in
            #expect(try await store.user(id: .generate()) == nil)
            #expect(try await store.credentials(email: Samples.email()) == nil)
            #expect(try await !store.emailExists(Samples.email()))
        },
        Case(name: "a second user with the same email is refused as duplicateEmail and writes nothing") {
            store async throws in
            let first = Samples.user()
            _ = try await store.createUser(first)
            let second = Samples.user(email: first.account.email, name: "Impostor", hash: "$scrypt$other")
            let error = await #expect(throws: StoreError.self) { try await store.createUser(second) }
            #expect(error?.code == .duplicateEmail)
            #expect(try await store.user(id: second.account.id) == nil)
            #expect(try await store.credentials(email: first.account.email) == first)
        },
        Case(name: "a second user with the same id is refused as duplicateID") { store async throws in
            let first = Samples.user()
            _ = try await store.createUser(first)
            var second = Samples.user()
            second.account.id = first.account.id
            let error = await #expect(throws: StoreError.self) { try await store.createUser(second) }
            #expect(error?.code == .duplicateID)
            #expect(try await !store.emailExists(second.account.email))
        },
        Case(name: "updatePasswordHash replaces the hash and the update time only") { store async throws in
            let stored = Samples.user()
            _ = try await store.createUser(stored)
            try await store.updatePasswordHash("$scrypt$new", userID: stored.account.id, now: Samples.at(60))
            var expected = stored
            expected.passwordHash = "$scrypt$new"
            expected.account.updatedAt = Samples.at(60)
            #expect(try await store.credentials(email: stored.account.email) == expected)
            try await store.updatePasswordHash("$scrypt$x", userID: .generate(), now: Samples.at(60))
        },
        Case(name: "setActive deactivates and reactivates a user") { store async throws in
            let stored = Samples.user()
            _ = try await store.createUser(stored)
            try await store.setActive(false, userID: stored.account.id, now: Samples.at(10))
            let inactive = try #require(try await store.user(id: stored.account.id))
            #expect(!inactive.isActive)
            #expect(inactive.updatedAt == Samples.at(10))
            try await store.setActive(true, userID: stored.account.id, now: Samples.at(20))
            #expect(try await store.user(id: stored.account.id)?.isActive == true)
            try await store.setActive(false, userID: .generate(), now: Samples.at(30))
        },
    ]

    // MARK: Sessions

    static let sessions: [Case] = [
        Case(name: "a created session reads back with every field, its first token the live one") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let session = Samples.session(userID: user.id, remember: true)
            try await store.createSession(session)
            #expect(try await store.session(id: session.id) == session)
            #expect(session.currentTokenID != nil && session.previousTokenID == nil)
            var bare = Samples.session(userID: user.id, userAgent: nil, ipAddress: nil)
            bare.previousTokenID = .generate()
            bare.rotatedAt = Samples.at(1)
            try await store.createSession(bare)
            #expect(try await store.session(id: bare.id) == bare)
            #expect(try await store.session(id: .generate()) == nil)
        },
        Case(name: "a session with an existing id is refused as duplicateID, writing nothing") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let session = Samples.session(userID: user.id)
            try await store.createSession(session)
            var again = Samples.session(userID: user.id, remember: true)
            again.id = session.id
            let sameSession = await #expect(throws: StoreError.self) {
                try await store.createSession(again)
            }
            #expect(sameSession?.code == .duplicateID)
            #expect(try await store.session(id: session.id) == session)
        },
        Case(name: "activeSessions lists the user's unrevoked, unexpired sessions, newest first") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let older = Samples.session(userID: user.id, createdAt: Samples.at(0))
            let newer = Samples.session(userID: user.id, createdAt: Samples.at(100))
            let revoked = Samples.session(userID: user.id, createdAt: Samples.at(200), revokedAt: Samples.at(250))
            let expired = Samples.session(userID: user.id, createdAt: Samples.at(0), expiresAt: Samples.at(300))
            let others = Samples.session(userID: other.id)
            for session in [older, newer, revoked, expired, others] {
                try await store.createSession(session)
            }
            #expect(try await store.activeSessions(userID: user.id, now: Samples.at(300)) == [newer, older])
            #expect(try await store.activeSessions(userID: user.id, now: Samples.at(299)).count == 3)
            #expect(try await store.activeSessions(userID: .generate(), now: Samples.at(300)).isEmpty)
        },
        Case(name: "revokeSession revokes only an active session of that user") { store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let session = Samples.session(userID: user.id)
            try await store.createSession(session)
            #expect(try await !store.revokeSession(session.id, userID: other.id, now: Samples.at(10)))
            #expect(try await store.revokeSession(session.id, userID: user.id, now: Samples.at(10)))
            #expect(try await store.session(id: session.id)?.revokedAt == Samples.at(10))
            #expect(try await !store.revokeSession(session.id, userID: user.id, now: Samples.at(20)))
            #expect(try await store.session(id: session.id)?.revokedAt == Samples.at(10))
            let expired = Samples.session(userID: user.id, expiresAt: Samples.at(5))
            try await store.createSession(expired)
            #expect(try await !store.revokeSession(expired.id, userID: user.id, now: Samples.at(10)))
            #expect(try await !store.revokeSession(.generate(), userID: user.id, now: Samples.at(10)))
        },
        Case(name: "revokeAllSessions revokes the user's active sessions only and counts them") { store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let sessions = [
                Samples.session(userID: user.id), Samples.session(userID: user.id),
                Samples.session(userID: user.id, revokedAt: Samples.at(1)),
                Samples.session(userID: user.id, expiresAt: Samples.at(5)), Samples.session(userID: other.id),
            ]
            for session in sessions { try await store.createSession(session) }
            #expect(try await store.revokeAllSessions(userID: user.id, now: Samples.at(10)) == 2)
            #expect(try await store.activeSessions(userID: user.id, now: Samples.at(10)).isEmpty)
            #expect(try await store.session(id: sessions[2].id)?.revokedAt == Samples.at(1))
            #expect(try await store.activeSessions(userID: other.id, now: Samples.at(10)).count == 1)
            #expect(try await store.revokeAllSessions(userID: user.id, now: Samples.at(10)) == 0)
        },
        Case(name: "revokeLeastRecentlyUsedSessions keeps the most recently used active sessions and ends the rest") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            var sessions: [SessionRecord] = []
            for minute in 0..<5 {
                var session = Samples.session(userID: user.id, createdAt: Samples.at(minute * 60))
                session.lastUsedAt = Samples.at([240, 60, 180, 0, 120][minute])
                sessions.append(session)
                try await store.createSession(session)
            }
            try await store.createSession(Samples.session(userID: user.id, revokedAt: Samples.at(1)))
            try await store.createSession(Samples.session(userID: other.id))
            let ended = try await store.revokeLeastRecentlyUsedSessions(
                userID: user.id, keeping: 2, now: Samples.at(300))
            #expect(Set(ended) == [sessions[1].id, sessions[3].id, sessions[4].id])
            #expect(
                Set(try await store.activeSessions(userID: user.id, now: Samples.at(300)).map(\.id)) == [
                    sessions[0].id, sessions[2].id,
                ])
            #expect(try await store.session(id: sessions[1].id)?.revokedAt == Samples.at(300))
            #expect(try await store.activeSessions(userID: other.id, now: Samples.at(300)).count == 1)
            #expect(
                try await store.revokeLeastRecentlyUsedSessions(userID: user.id, keeping: 2, now: Samples.at(300))
                    .isEmpty)
        },
        Case(name: "deleteSessions removes the sessions revoked or expired before the cutoff, and only those") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let revokedLong = Samples.session(userID: user.id, revokedAt: Samples.at(10))
            let expiredLong = Samples.session(userID: user.id, expiresAt: Samples.at(20))
            let revokedRecently = Samples.session(userID: user.id, revokedAt: Samples.at(1000))
            let live = Samples.session(userID: user.id, expiresAt: Samples.at(5000))
            for session in [revokedLong, expiredLong, revokedRecently, live] { try await store.createSession(session) }
            #expect(try await store.deleteSessions(endedBefore: Samples.at(500)) == 2)
            #expect(try await store.session(id: revokedLong.id) == nil)
            #expect(try await store.session(id: expiredLong.id) == nil)
            #expect(try await store.session(id: revokedRecently.id) != nil)
            #expect(try await store.session(id: live.id) != nil)
            #expect(try await store.deleteSessions(endedBefore: Samples.at(500)) == 0)
        },
    ]

    // MARK: Refresh-token exchange

    static let consumption: [Case] = [
        Case(name: "exchanging the live token makes the next one live and moves the session forward") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let session = Samples.session(userID: user.id)
            try await store.createSession(session)
            let first = try #require(session.currentTokenID)
            let next = TokenID.generate()
            let outcome = try await store.rotateRefreshToken(
                sessionID: session.id, presented: first, next: next, expiresAt: Samples.at(7200), now: Samples.at(60))
            var moved = session
            moved.lastUsedAt = Samples.at(60)
            moved.expiresAt = Samples.at(7200)
            moved.currentTokenID = next
            moved.previousTokenID = first
            moved.rotatedAt = Samples.at(60)
            #expect(outcome == .rotated(moved))
            #expect(try await store.session(id: session.id) == moved)
            let third = TokenID.generate()
            #expect(
                try await store.rotateRefreshToken(
                    sessionID: session.id, presented: next, next: third, expiresAt: Samples.at(7300),
                    now: Samples.at(70)
                ).isRotated)
            let latest = try #require(try await store.session(id: session.id))
            #expect(
                latest.currentTokenID == third && latest.previousTokenID == next && latest.rotatedAt == Samples.at(70))
        },
        Case(name: "presenting a token that is not the live one says superseded and changes nothing") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let session = Samples.session(userID: user.id)
            try await store.createSession(session)
            let first = try #require(session.currentTokenID)
            let next = TokenID.generate()
            _ = try await store.rotateRefreshToken(
                sessionID: session.id, presented: first, next: next, expiresAt: Samples.at(7200), now: Samples.at(60))
            let before = try #require(try await store.session(id: session.id))
            for presented in [first, TokenID.generate()] {
                let outcome = try await store.rotateRefreshToken(
                    sessionID: session.id, presented: presented, next: .generate(), expiresAt: Samples.at(9000),
                    now: Samples.at(70))
                #expect(outcome == .superseded(before))
            }
            #expect(try await store.session(id: session.id) == before)
            #expect(before.previousTokenID == first && before.rotatedAt == Samples.at(60))
        },
        Case(name: "exchanging a token of an unknown session says notFound") { store async throws in
            #expect(
                try await store.rotateRefreshToken(
                    sessionID: .generate(), presented: .generate(), next: .generate(), expiresAt: Samples.at(60),
                    now: Samples.t0) == .notFound)
        },
        Case(name: "a token of a revoked or expired session is not exchanged: sessionInactive") { store async throws in
            let user = try await store.createUser(Samples.user())
            let revoked = Samples.session(userID: user.id)
            try await store.createSession(revoked)
            #expect(try await store.revokeSession(revoked.id, userID: user.id, now: Samples.at(5)))
            let outcome = try await store.rotateRefreshToken(
                sessionID: revoked.id, presented: try #require(revoked.currentTokenID), next: .generate(),
                expiresAt: Samples.at(7200), now: Samples.at(10))
            guard case .sessionInactive(let inactive) = outcome else {
                Issue.record("expected sessionInactive, got \(outcome)")
                return
            }
            #expect(inactive.id == revoked.id && inactive.revokedAt == Samples.at(5))
            #expect(try await store.session(id: revoked.id)?.currentTokenID == revoked.currentTokenID)

            let expiring = Samples.session(userID: user.id, expiresAt: Samples.at(100))
            try await store.createSession(expiring)
            #expect(
                try await store.rotateRefreshToken(
                    sessionID: expiring.id, presented: try #require(expiring.currentTokenID), next: .generate(),
                    expiresAt: Samples.at(7200), now: Samples.at(100)) == .sessionInactive(expiring))
            #expect(try await store.session(id: expiring.id) == expiring)
        },
    ]

    // MARK: Rate limits and lockouts

    static let rateLimits: [Case] = [
        Case(name: "hit counts up within a window and restarts at 1 in a new one") { store async throws in
            let key = Samples.key("login")
            #expect(try await store.count(key, windowStart: Samples.t0) == 0)
            for expected in 1...3 {
                #expect(try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60)) == expected)
            }
            #expect(try await store.count(key, windowStart: Samples.t0) == 3)
            #expect(try await store.count(key, windowStart: Samples.at(60)) == 0)
            #expect(try await store.hit(key, windowStart: Samples.at(60), expiresAt: Samples.at(120)) == 1)
            #expect(try await store.count(key, windowStart: Samples.at(60)) == 1)
            #expect(try await store.count(key, windowStart: Samples.t0) == 0)
            #expect(try await store.count(Samples.key("other"), windowStart: Samples.t0) == 0)
        },
        Case(name: "reset forgets a counter") { store async throws in
            let key = Samples.key("register")
            _ = try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60))
            _ = try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60))
            try await store.reset(key)
            #expect(try await store.count(key, windowStart: Samples.t0) == 0)
            #expect(try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60)) == 1)
            try await store.reset(Samples.key("never"))
        },
        Case(name: "a lock holds until its end, and a new lock replaces it") { store async throws in
            let key = Samples.key("lockout")
            #expect(try await store.lockedUntil(key, now: Samples.t0) == nil)
            try await store.lock(key, until: Samples.at(300))
            #expect(try await store.lockedUntil(key, now: Samples.t0) == Samples.at(300))
            #expect(try await store.lockedUntil(key, now: Samples.at(299)) == Samples.at(300))
            #expect(try await store.lockedUntil(key, now: Samples.at(300)) == nil)
            try await store.lock(key, until: Samples.at(600))
            #expect(try await store.lockedUntil(key, now: Samples.at(300)) == Samples.at(600))
            try await store.lock(key, until: Samples.at(100))
            #expect(try await store.lockedUntil(key, now: Samples.at(50)) == Samples.at(100))
        },
        Case(name: "recordAttempt returns the newest attempts of its key after `since`, newest first, itself included")
        {
            store async throws in
            let (key, other) = (Samples.key("attempts"), Samples.key("attempts"))
            #expect(
                try await store.recordAttempt(
                    key, id: UUID().uuidString, at: Samples.at(0), expiresAt: Samples.at(300), since: Samples.at(-300),
                    limit: 6) == [Samples.at(0)])
            _ = try await store.recordAttempt(
                other, id: UUID().uuidString, at: Samples.at(1), expiresAt: Samples.at(301), since: Samples.at(-299),
                limit: 6)
            for second in 2...4 {
                _ = try await store.recordAttempt(
                    key, id: UUID().uuidString, at: Samples.at(second), expiresAt: Samples.at(second + 300),
                    since: Samples.at(second - 300), limit: 6)
            }
            let removable = UUID().uuidString
            let recent = try await store.recordAttempt(
                key, id: removable, at: Samples.at(5), expiresAt: Samples.at(305), since: Samples.at(1), limit: 3)
            #expect(recent == [Samples.at(5), Samples.at(4), Samples.at(3)])
            try await store.removeAttempt(id: removable)
            let sliding = try await store.recordAttempt(
                key, id: UUID().uuidString, at: Samples.at(301), expiresAt: Samples.at(601), since: Samples.at(1),
                limit: 9)
            #expect(sliding == [Samples.at(301), Samples.at(4), Samples.at(3), Samples.at(2)])
            try await store.clearAttempts(key)
            #expect(
                try await store.recordAttempt(
                    key, id: UUID().uuidString, at: Samples.at(302), expiresAt: Samples.at(602), since: Samples.at(2),
                    limit: 9) == [Samples.at(302)])
            #expect(
                try await store.recordAttempt(
                    other, id: UUID().uuidString, at: Samples.at(2), expiresAt: Samples.at(302),
                    since: Samples.at(-298), limit: 9
                ).count == 2)
            try await store.purgeExpired(now: Samples.at(301))
            #expect(
                try await store.recordAttempt(
                    other, id: UUID().uuidString, at: Samples.at(3), expiresAt: Samples.at(303),
                    since: Samples.at(-297), limit: 9
                ).count == 2)
            try await store.purgeExpired(now: Samples.at(400))
            #expect(
                try await store.recordAttempt(
                    other, id: UUID().uuidString, at: Samples.at(3), expiresAt: Samples.at(303),
                    since: Samples.at(-297), limit: 9
                ).count == 1)
        },
        Case(name: "purgeExpired deletes ended counters and locks and keeps live ones") { store async throws in
            let (ended, live) = (Samples.key("ended"), Samples.key("live"))
            _ = try await store.hit(ended, windowStart: Samples.t0, expiresAt: Samples.at(60))
            _ = try await store.hit(live, windowStart: Samples.t0, expiresAt: Samples.at(61))
            try await store.lock(ended, until: Samples.at(60))
            try await store.lock(live, until: Samples.at(61))
            try await store.purgeExpired(now: Samples.at(60))
            #expect(try await store.count(ended, windowStart: Samples.t0) == 0)
            #expect(try await store.count(live, windowStart: Samples.t0) == 1)
            #expect(try await store.lockedUntil(ended, now: Samples.t0) == nil)
            #expect(try await store.lockedUntil(live, now: Samples.t0) == Samples.at(61))
            // A purged counter starts again from 1 even in its old window.
            #expect(try await store.hit(ended, windowStart: Samples.t0, expiresAt: Samples.at(60)) == 1)
        },
    ]

    // MARK: Concurrency

    static let concurrency: [Case] = [
        Case(name: "of 20 concurrent exchanges of one token exactly one wins, and its next token is live") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let session = Samples.session(userID: user.id)
            try await store.createSession(session)
            let first = try #require(session.currentTokenID)
            let candidates = (0..<20).map { _ in TokenID.generate() }
            let outcomes = try await withThrowingTaskGroup(of: (TokenID, RefreshRotation).self) { group in
                for next in candidates {
                    group.addTask {
                        (
                            next,
                            try await store.rotateRefreshToken(
                                sessionID: session.id, presented: first, next: next, expiresAt: Samples.at(7200),
                                now: Samples.at(30))
                        )
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let winners = outcomes.filter { $0.1.isRotated }
            #expect(winners.count == 1)
            let winner = try #require(winners.first?.0)
            for (_, outcome) in outcomes where !outcome.isRotated {
                guard case .superseded(let seen) = outcome else {
                    Issue.record("expected superseded, got \(outcome)")
                    continue
                }
                #expect(seen.currentTokenID == winner && seen.previousTokenID == first)
                #expect(seen.rotatedAt == Samples.at(30))
            }
            let stored = try #require(try await store.session(id: session.id))
            #expect(stored.currentTokenID == winner && stored.previousTokenID == first)
        },
        Case(name: "64 concurrent createUser calls with distinct emails create 64 users") { store async throws in
            let users = (0..<64).map { _ in Samples.user() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for user in users { group.addTask { _ = try await store.createUser(user) } }
                try await group.waitForAll()
            }
            for user in users {
                #expect(try await store.credentials(email: user.account.email) == user)
            }
        },
        Case(name: "of 16 concurrent createUser calls with one email exactly one succeeds, the rest duplicateEmail") {
            store async throws in
            let email = Samples.email()
            let users = (0..<16).map { _ in Samples.user(email: email) }
            let results = await withTaskGroup(of: (UserID, Result<UserAccount, any Error>).self) { group in
                for user in users {
                    group.addTask {
                        do { return (user.account.id, .success(try await store.createUser(user))) } catch {
                            return (user.account.id, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            let winners = results.filter { if case .success = $0.1 { true } else { false } }.map(\.0)
            #expect(winners.count == 1)
            for case (_, .failure(let error)) in results {
                #expect((error as? StoreError)?.code == .duplicateEmail, "\(error)")
            }
            #expect(try await store.credentials(email: email)?.account.id == winners.first)
            var created = 0
            for user in users where try await store.user(id: user.account.id) != nil { created += 1 }
            #expect(created == 1)
        },
        Case(name: "30 concurrent attempts on one key: the k-th recorded sees at least k, so at most 5 see 5 or fewer")
        {
            store async throws in
            let key = Samples.key("burst-attempts")
            let seen = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await store.recordAttempt(
                            key, id: UUID().uuidString, at: Samples.at(0), expiresAt: Samples.at(300),
                            since: Samples.at(-300), limit: 31
                        ).count
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(seen.filter { $0 <= 5 }.count <= 5, "\(seen.sorted())")
            #expect(seen.max() == 30)
        },
        Case(name: "200 concurrent hits on one key count to 200, each seeing a distinct count") { store async throws in
            let key = Samples.key("burst")
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<200 {
                    group.addTask { try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60)) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(counts.sorted() == Array(1...200))
            #expect(try await store.count(key, windowStart: Samples.t0) == 200)
        },
    ]
}
