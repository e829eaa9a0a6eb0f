import FastAuth
import Foundation
import SQLKit
import Synchronization
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
                let batcher = try #require(store.batcher)
                let user = try await store.createUser(Samples.user())
                let key = Samples.key("batch")
                // A first write holds the writer while the next batch queues behind it: a
                // session of a user that does not exist (the foreign key refuses it) amid good writes.
                let (gate, first) = await Self.holdWriter(store)
                let orphan = Samples.session(userID: .generate())
                let refused = Task { try await store.createSession(orphan) }
                while batcher.pendingCount < 1 { await Task.yield() }
                let sessions = (0..<4).map { _ in Samples.session(userID: user.id) }
                let created = sessions.map { session in Task { try await store.createSession(session) } }
                let hits = (0..<6).map { _ in
                    Task { try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60)) }
                }
                while batcher.pendingCount < 11 { await Task.yield() }
                gate.open()
                try await first.value
                let refusal = await #expect(throws: StoreError.self) { try await refused.value }
                #expect(refusal?.code == .unavailable)
                for task in created { try await task.value }
                var counts: [Int] = []
                for task in hits { counts.append(try await task.value) }
                #expect(counts.sorted() == Array(1...6))
                for session in sessions { #expect(try await store.session(id: session.id) == session) }
                #expect(try await store.session(id: orphan.id) == nil)
            }
        }
    }
}

extension WriteBatchingTests {
    @Test("a leader whose task is cancelled still writes the others' batch")
    func cancelledLeader() async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in
                let batcher = try #require(store.batcher)
                let key = Samples.key("cancel")
                // A first write holds the writer while the next batch queues behind it.
                let (gate, first) = await Self.holdWriter(store)
                let victim = Task { try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60)) }
                while batcher.pendingCount < 1 { await Task.yield() }
                let others = (0..<10).map { _ in
                    Task {
                        try await store.performWrite("count while checking for cancellation") { database in
                            try Task.checkCancellation()
                            return try await database.raw(
                                """
                                INSERT INTO fastauth_counters ("key", window_start, "count", expires_at)
                                VALUES (\(bind: key), 0, 1, 0)
                                ON CONFLICT ("key") DO UPDATE SET "count" = fastauth_counters."count" + 1
                                """
                            ).run()
                        }
                    }
                }
                while batcher.pendingCount < 11 { await Task.yield() }
                victim.cancel()  // it leads the batch of all eleven
                gate.open()
                try await first.value
                for other in others { try await other.value }
                _ = try? await victim.value
            }
        }
    }
}

extension WriteBatchingTests {
    /// Starts a write that holds `store`'s writer until the returned gate opens; returns once it
    /// is being written, so every write after it queues for the next batch.
    static func holdWriter(_ store: SQLAuthStore) async -> (AsyncGate, Task<Void, any Error>) {
        let (started, gate) = (AsyncGate(), AsyncGate())
        let held = Task {
            try await store.performWrite("hold") { _ in
                started.open()
                await gate.wait()
            }
        }
        await started.wait()
        return (gate, held)
    }
}

/// Lets waiters through once opened.
final class AsyncGate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { waiter in
            let open = state.withLock { state in
                if !state.open { state.waiters.append(waiter) }
                return state.open
            }
            if open { waiter.resume() }
        }
    }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
