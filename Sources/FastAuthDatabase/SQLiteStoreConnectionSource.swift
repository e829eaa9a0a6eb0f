@preconcurrency import AsyncKit
import FastAuthSQL
import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import Synchronization

/// Opens SQLite connections for a FastAuth store: each one gets
/// ``SQLAuthStore/sqliteConnectionPragmas`` (busy timeout, WAL, foreign keys) before use.
struct SQLiteStoreConnectionSource: ConnectionPoolSource, Sendable {
    let storage: SQLiteConnection.Storage
    let threadPool: NIOThreadPool
    /// The connections being opened now; ``DatabaseConnection/shutdown()`` waits for them.
    let opening = OpeningConnections()

    func makeConnection(logger: Logger, on eventLoop: any EventLoop) -> EventLoopFuture<SQLiteConnection> {
        opening.begin()
        let opened = SQLiteConnection.open(storage: storage, threadPool: threadPool, logger: logger, on: eventLoop)
            .flatMap { connection -> EventLoopFuture<SQLiteConnection> in
                eventLoop.makeFutureWithTask {
                    try await SQLAuthStore.prepareSQLiteConnection(connection.sql(queryLogLevel: nil))
                    return connection
                }.flatMapError { error in
                    connection.close().flatMapThrowing { throw error }
                }
            }
        // Counted as opened only in a later event-loop task, after the pool has taken the
        // connection (the pool's callbacks on this future run first, in the same task).
        opened.whenComplete { _ in eventLoop.execute { opening.end() } }
        return opened
    }
}

/// Counts connections being opened. A pool asked for more connections than it ends up needing
/// keeps opening them after the requests are served; one that finishes after the pool shut down
/// is closed on the thread pool, so the thread pool must outlive it.
final class OpeningConnections: Sendable {
    private let state = Mutex<(count: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    func begin() {
        state.withLock { $0.count += 1 }
    }

    func end() {
        let waiters = state.withLock { state in
            state.count -= 1
            guard state.count == 0 else { return [CheckedContinuation<Void, Never>]() }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once no connection is being opened.
    func drained() async {
        await withCheckedContinuation { continuation in
            let idle = state.withLock { state in
                if state.count == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
