import FastAuth
import Foundation
import SQLKit
import Testing

@testable import FastAuthDatabase
@testable import FastAuthSQL

/// Group commit on SQLite: concurrent single-statement writes share transactions, and every
/// writer still gets exactly the outcome its statement has alone.
@Suite("SQLite group commit")
struct WriteBatchingTests {
    @Test("concurrent writes share commits, and each writer gets its own result")
    func sharedCommits() async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in
                let key = Samples.key("batch")
                let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                    for _ in 0..<64 {
                        group.addTask { try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60)) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(counts.sorted() == Array(1...64))
                #expect(try await store.count(key, windowStart: Samples.t0) == 64)
                let totals = try #require(store.batcher).totals
                #expect(totals.writes >= 64)
                #expect(totals.commits < totals.writes, "no two writes ever shared a commit: \(totals)")
            }
        }
    }

    @Test("a statement that fails inside a batch fails alone: the others in its batch are written")
    func failureIsolated() async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in
                let taken = try await store.createUser(Samples.user())
                let key = Samples.key("batch")
                let fresh = (0..<24).map { _ in Samples.user() }
                let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
                    for user in fresh {
                        group.addTask { (user.account.email, (try? await store.createUser(user)) != nil) }
                    }
                    for index in 0..<8 {
                        var clash = Samples.user(email: taken.email)
                        clash.account.name = "clash \(index)"
                        group.addTask { ("clash", (try? await store.createUser(clash)) != nil) }
                        group.addTask {
                            ("hit", (try? await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60))) != nil)
                        }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.filter { $0.0 == "clash" }.allSatisfy { !$0.1 })
                #expect(outcomes.filter { $0.0 != "clash" }.allSatisfy { $0.1 })
                for user in fresh {
                    let exists = try await store.emailExists(user.account.email)
                    #expect(exists)
                }
                #expect(try await store.count(key, windowStart: Samples.t0) == 8)
            }
        }
    }
}
