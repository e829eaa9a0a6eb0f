import FastAuth
import Foundation
import Testing

/// The store contract for the account lifecycle: one-time tokens, the email outbox, profile and
/// email changes, soft deletion and purging, accounts without a password.
extension StoreContract {
    static func token(
        _ user: UserAccount, _ purpose: OneTimeTokenPurpose = .passwordReset, data: String? = nil,
        createdAt: Date = Samples.t0, ttl: Int = 1800
    ) -> OneTimeTokenRecord {
        OneTimeTokenRecord(
            hash: String(repeating: "0", count: 32)
                + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased(),
            purpose: purpose, userID: user.id, data: data, createdAt: createdAt,
            expiresAt: createdAt.addingTimeInterval(TimeInterval(ttl)))
    }

    static func email(at date: Date = Samples.t0, deliver: Bool = true, body: [UInt8] = [1, 2, 3]) -> OutboxEmail {
        OutboxEmail(id: "em_" + UUID().uuidString, sealedBody: body, deliver: deliver, createdAt: date)
    }

    static let lifecycle: [Case] = [
        Case(name: "a one-time token is consumed once, only for its purpose, only before it expires") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let token = token(user, .emailChange, data: "new@example.com")
            try await store.issueOneTimeToken(token, message: email())
            #expect(
                try await store.oneTimeToken(hash: token.hash, purpose: .emailChange, now: Samples.at(1))?.data
                    == "new@example.com")
            #expect(
                try await store.consumeOneTimeToken(hash: token.hash, purpose: .passwordReset, now: Samples.at(1))
                    == nil)
            #expect(
                try await store.consumeOneTimeToken(
                    hash: "f" + token.hash.dropFirst(), purpose: .emailChange, now: Samples.at(1)) == nil)
            let consumed = try #require(
                try await store.consumeOneTimeToken(hash: token.hash, purpose: .emailChange, now: Samples.at(2)))
            #expect(
                consumed.userID == user.id && consumed.data == "new@example.com" && consumed.consumedAt == Samples.at(2)
            )
            #expect(
                try await store.consumeOneTimeToken(hash: token.hash, purpose: .emailChange, now: Samples.at(3)) == nil)
            #expect(try await store.oneTimeToken(hash: token.hash, purpose: .emailChange, now: Samples.at(3)) == nil)

            let expiring = StoreContract.token(user, .emailVerification, ttl: 60)
            try await store.issueOneTimeToken(expiring, message: email())
            #expect(
                try await store.consumeOneTimeToken(
                    hash: expiring.hash, purpose: .emailVerification, now: Samples.at(60)) == nil)
            #expect(
                try await store.oneTimeToken(hash: expiring.hash, purpose: .emailVerification, now: Samples.at(59))
                    != nil)
        },
        Case(name: "issuing a token voids the user's unconsumed tokens of that purpose only, and queues its mail") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let first = token(user)
            let verification = token(user, .emailVerification)
            let othersToken = token(other)
            let firstMail = email()
            try await store.issueOneTimeToken(first, message: firstMail)
            try await store.issueOneTimeToken(verification, message: email())
            try await store.issueOneTimeToken(othersToken, message: email())
            let second = token(user, createdAt: Samples.at(5))
            try await store.issueOneTimeToken(second, message: email())
            #expect(try await store.oneTimeToken(hash: first.hash, purpose: .passwordReset, now: Samples.at(6)) == nil)
            #expect(try await store.oneTimeToken(hash: second.hash, purpose: .passwordReset, now: Samples.at(6)) != nil)
            #expect(
                try await store.oneTimeToken(hash: verification.hash, purpose: .emailVerification, now: Samples.at(6))
                    != nil)
            #expect(
                try await store.oneTimeToken(hash: othersToken.hash, purpose: .passwordReset, now: Samples.at(6)) != nil
            )
            #expect(try await store.outboxEmail(id: firstMail.id)?.sealedBody == [1, 2, 3])
            try await store.deleteOneTimeTokens(userID: user.id, purpose: .passwordReset)
            #expect(
                try await store.consumeOneTimeToken(hash: second.hash, purpose: .passwordReset, now: Samples.at(7))
                    == nil)
            #expect(
                try await store.oneTimeToken(hash: othersToken.hash, purpose: .passwordReset, now: Samples.at(7)) != nil
            )
        },
        Case(name: "a token for a missing user is refused and its mail is not queued") { store async throws in
            let ghost = UserAccount(id: .generate(), email: Samples.email(), createdAt: Samples.t0)
            let mail = email()
            await #expect(throws: StoreError.self) { try await store.issueOneTimeToken(token(ghost), message: mail) }
            #expect(try await store.outboxEmail(id: mail.id) == nil)
        },
        Case(name: "of 20 concurrent consumptions of one token exactly one succeeds") { store async throws in
            let user = try await store.createUser(Samples.user())
            let token = token(user)
            try await store.issueOneTimeToken(token, message: email())
            let wins = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await store.consumeOneTimeToken(
                            hash: token.hash, purpose: .passwordReset, now: Samples.at(1)) != nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
        },
        Case(name: "expired and consumed tokens are purged; live ones stay") { store async throws in
            let user = try await store.createUser(Samples.user())
            let expired = token(user, .emailVerification, ttl: 10)
            let used = token(user, .emailChange)
            let live = token(user, ttl: 100_000)
            for token in [expired, used, live] { try await store.issueOneTimeToken(token, message: email()) }
            _ = try await store.consumeOneTimeToken(hash: used.hash, purpose: .emailChange, now: Samples.at(5))
            #expect(try await store.deleteOneTimeTokens(endedBefore: Samples.at(50)) == 2)
            #expect(try await store.oneTimeToken(hash: live.hash, purpose: .passwordReset, now: Samples.at(60)) != nil)
            #expect(try await store.deleteOneTimeTokens(endedBefore: Samples.at(50)) == 0)
        },
        Case(name: "outbox: due messages are claimed once per lease, retried later, and wiped when finished") {
            store async throws in
            let a = email(at: Samples.t0)
            let b = email(at: Samples.at(1), deliver: false)
            let later = OutboxEmail(
                id: "em_" + UUID().uuidString, sealedBody: [9], createdAt: Samples.t0, nextAttemptAt: Samples.at(100))
            for message in [a, b, later] { try await store.enqueueEmail(message) }
            let claimed = try await store.claimEmails(now: Samples.at(10), leaseUntil: Samples.at(70), limit: 10)
            // Other tests' rows may share a PostgreSQL database: look at ours only.
            let ours = claimed.filter { [a.id, b.id, later.id].contains($0.id) }
            #expect(ours.map(\.id) == [a.id, b.id])
            #expect(ours.allSatisfy { $0.attempts == 1 && $0.claimedUntil == Samples.at(70) })
            #expect(ours.last?.deliver == false && ours.first?.sealedBody == [1, 2, 3])
            let again = try await store.claimEmails(now: Samples.at(20), leaseUntil: Samples.at(80), limit: 10)
            #expect(again.filter { [a.id, b.id].contains($0.id) }.isEmpty)

            try await store.completeEmail(
                id: a.id, outcome: .retry(at: Samples.at(200), error: "421 try later"), now: Samples.at(21))
            try await store.completeEmail(id: b.id, outcome: .sent, now: Samples.at(21))
            let afterLease = try await store.claimEmails(now: Samples.at(150), leaseUntil: Samples.at(210), limit: 10)
            #expect(afterLease.filter { [a.id, b.id, later.id].contains($0.id) }.map(\.id) == [later.id])
            let retried = try #require(try await store.outboxEmail(id: a.id))
            #expect(
                retried.state == .pending && retried.lastError == "421 try later"
                    && retried.nextAttemptAt == Samples.at(200))
            let sent = try #require(try await store.outboxEmail(id: b.id))
            #expect(sent.state == .sent && sent.sealedBody == nil && sent.finishedAt == Samples.at(21))

            let final = try await store.claimEmails(now: Samples.at(200), leaseUntil: Samples.at(260), limit: 10)
            #expect(final.first { $0.id == a.id }?.attempts == 2)
            try await store.completeEmail(id: a.id, outcome: .failed(error: "550 no such user"), now: Samples.at(201))
            let failed = try #require(try await store.outboxEmail(id: a.id))
            #expect(failed.state == .failed && failed.sealedBody == nil && failed.lastError == "550 no such user")
            try await store.completeEmail(id: later.id, outcome: .sent, now: Samples.at(300))
            #expect(try await store.deleteEmails(finishedBefore: Samples.at(250)) >= 2)
            #expect(try await store.outboxEmail(id: a.id) == nil)
            #expect(try await store.outboxEmail(id: b.id) == nil)
            #expect(try await store.outboxEmail(id: later.id) != nil)
        },
        Case(name: "outbox: of concurrent claimants each message goes to one") { store async throws in
            let messages = (0..<12).map { _ in email(at: Samples.t0) }
            for message in messages { try await store.enqueueEmail(message) }
            let ids = Set(messages.map(\.id))
            let claims = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await store.claimEmails(now: Samples.at(1), leaseUntil: Samples.at(61), limit: 3).map(\.id)
                            .filter { ids.contains($0) }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(claims.count == Set(claims).count)
            for id in ids { try await store.completeEmail(id: id, outcome: .sent, now: Samples.at(2)) }
        },
        Case(name: "profile updates set only the given fields; unknown users answer nil") { store async throws in
            let user = try await store.createUser(Samples.user(image: "https://example.com/a.png"))
            let renamed = try #require(
                try await store.updateProfile(user.id, name: "Grace", image: nil, now: Samples.at(5)))
            #expect(
                renamed.name == "Grace" && renamed.image == "https://example.com/a.png"
                    && renamed.updatedAt == Samples.at(5))
            let pictured = try #require(
                try await store.updateProfile(
                    user.id, name: nil, image: "https://example.com/b.png", now: Samples.at(6)))
            #expect(pictured.name == "Grace" && pictured.image == "https://example.com/b.png")
            #expect(try await store.user(id: user.id) == pictured)
            #expect(try await store.updateProfile(.generate(), name: "x", image: nil, now: Samples.at(7)) == nil)
        },
        Case(name: "an email change marks the address verified; another user's address is refused") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let newEmail = Samples.email()
            try await store.changeEmail(user.id, to: newEmail, now: Samples.at(3))
            let changed = try #require(try await store.user(id: user.id))
            #expect(changed.email == newEmail && changed.emailVerified && changed.updatedAt == Samples.at(3))
            #expect(try await store.credentials(email: newEmail)?.account.id == user.id)
            #expect(try await !store.emailExists(user.email))
            do {
                try await store.changeEmail(user.id, to: other.email, now: Samples.at(4))
                Issue.record("a taken address was accepted")
            } catch let error as StoreError {
                #expect(error.code == .duplicateEmail)
            }
            #expect(try await store.user(id: user.id)?.email == newEmail)
        },
        Case(name: "a deleted account is inactive at once and purged with its sessions after its retention") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let kept = try await store.createUser(Samples.user())
            try await store.createSession(Samples.session(userID: user.id))
            try await store.issueOneTimeToken(token(user), message: email())
            try await store.markDeleted(user.id, now: Samples.at(10))
            let deleted = try #require(try await store.user(id: user.id))
            #expect(!deleted.isActive && deleted.deletedAt == Samples.at(10))
            #expect(try await store.emailExists(user.email))
            #expect(try await store.deleteUsers(deletedBefore: Samples.at(10)) == 0)
            #expect(try await store.deleteUsers(deletedBefore: Samples.at(11)) == 1)
            #expect(try await store.user(id: user.id) == nil)
            #expect(try await store.activeSessions(userID: user.id, now: Samples.t0).isEmpty)
            #expect(try await !store.emailExists(user.email))
            #expect(try await store.user(id: kept.id) != nil)
        },
        Case(name: "an account without a password stores and reads back a nil hash") { store async throws in
            var stored = Samples.user()
            stored.passwordHash = nil
            _ = try await store.createUser(stored)
            #expect(try await store.credentials(email: stored.account.email)?.passwordHash == nil)
            try await store.updatePasswordHash("$scrypt$new", userID: stored.account.id, now: Samples.at(1))
            #expect(try await store.credentials(email: stored.account.email)?.passwordHash == "$scrypt$new")
        },
        Case(name: "revoking a user's other sessions keeps the named one and the other users'") { store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let keep = Samples.session(userID: user.id)
            let end = Samples.session(userID: user.id)
            let foreign = Samples.session(userID: other.id)
            for session in [keep, end, foreign] { try await store.createSession(session) }
            #expect(
                try await store.revokeOtherSessions(userID: user.id, keeping: keep.id, now: Samples.at(5)) == [end.id])
            #expect(try await store.activeSessions(userID: user.id, now: Samples.at(6)).map(\.id) == [keep.id])
            #expect(try await store.activeSessions(userID: other.id, now: Samples.at(6)).count == 1)
        },
        Case(name: "login attempts are cleared by key prefix, literally (no wildcards)") { store async throws in
            let base = "lockout:a_b%\(UUID().uuidString)@example.com|"
            let lookalike = base.replacingOccurrences(of: "_", with: "x")
            for (key, id) in [(base + "1.2.3.4", "1"), (base + "5.6.7.8", "2"), (lookalike + "1.2.3.4", "3")] {
                _ = try await store.recordAttempt(
                    key, id: "\(id)-\(base)", at: Samples.t0, expiresAt: Samples.at(600), since: Samples.at(-600),
                    limit: 10)
            }
            try await store.clearAttempts(keyPrefix: base)
            #expect(
                try await store.recordAttempt(
                    base + "1.2.3.4", id: "4-\(base)", at: Samples.at(1), expiresAt: Samples.at(600),
                    since: Samples.at(-600),
                    limit: 10
                ).count == 1)
            #expect(
                try await store.recordAttempt(
                    lookalike + "1.2.3.4", id: "5-\(base)", at: Samples.at(1), expiresAt: Samples.at(600),
                    since: Samples.at(-600), limit: 10
                ).count == 2)
        },
    ]
}
