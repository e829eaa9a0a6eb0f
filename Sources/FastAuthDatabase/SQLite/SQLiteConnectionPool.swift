import Logging
import NIOCore
import NIOPosix
import SQLiteKit
import Synchronization

/// A pool of SQLite connections to one database, each prepared with
/// ``SQLiteConnectionSetup/pragmas`` (busy timeout, WAL, foreign keys) when opened.
///
/// Taking and returning a connection is a lock, not a trip through an event loop: with the
/// connection's own async queries (which run on the SQLite thread pool and resume the caller
/// directly), a statement costs two thread switches instead of four — what makes a refresh,
/// a single UPDATE, cheap.
final class SQLiteConnectionPool: Sendable {
    private struct State {
        var idle: [SQLiteConnection] = []
        /// Connections that exist or are being opened.
        var count = 0
        var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
        var closed = false
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    private enum Acquisition {
        case use(SQLiteConnection)
        case open
        case wait
    }

    private let storage: SQLiteConnection.Storage
    private let threadPool: NIOThreadPool
    private let eventLoop: any EventLoop
    private let maxConnections: Int
    private let logger: Logger
    private let state = Mutex(State())

    init(
        storage: SQLiteConnection.Storage, threadPool: NIOThreadPool, eventLoop: any EventLoop, maxConnections: Int,
        logger: Logger
    ) {
        self.storage = storage
        self.threadPool = threadPool
        self.eventLoop = eventLoop
        self.maxConnections = max(1, maxConnections)
        self.logger = logger
    }

    /// Runs `body` with a connection of its own, returned to the pool afterwards.
    func withConnection<T>(_ body: (SQLiteConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        defer { release(connection) }
        return try await body(connection)
    }

    private func acquire() async throws -> SQLiteConnection {
        let next = try state.withLock { state throws(SQLitePoolClosed) -> Acquisition in
            guard !state.closed else { throw SQLitePoolClosed() }
            if let connection = state.idle.popLast() { return .use(connection) }
            guard state.count < maxConnections else { return .wait }
            state.count += 1
            return .open
        }
        switch next {
        case .use(let connection):
            return connection
        case .open:
            do {
                return try await open()
            } catch {
                // Nobody will return a connection for this slot: the waiters would wait forever.
                let waiters = state.withLock { state -> [CheckedContinuation<SQLiteConnection, any Error>] in
                    state.count -= 1
                    guard state.count == 0 else { return [] }
                    defer { state.waiters = [] }
                    return state.waiters
                }
                for waiter in waiters { waiter.resume(throwing: error) }
                finishIfDrained()
                throw error
            }
        case .wait:
            return try await withCheckedThrowingContinuation { waiter in
                let ready = state.withLock { state -> Result<SQLiteConnection, any Error>? in
                    guard !state.closed else { return .failure(SQLitePoolClosed()) }
                    if let connection = state.idle.popLast() { return .success(connection) }
                    state.waiters.append(waiter)
                    return nil
                }
                if let ready { waiter.resume(with: ready) }
            }
        }
    }

    private func release(_ connection: SQLiteConnection) {
        enum Release {
            case hand(CheckedContinuation<SQLiteConnection, any Error>)
            case close
            case keep
        }
        let next = state.withLock { state -> Release in
            if !state.waiters.isEmpty { return .hand(state.waiters.removeFirst()) }
            if state.closed { return .close }
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .hand(let waiter): waiter.resume(returning: connection)
        case .close: close(connection)
        case .keep: break
        }
    }

    private func open() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: storage, threadPool: threadPool, logger: logger, on: eventLoop)
        do {
            try await SQLiteConnectionSetup.prepare(SQLiteStoreDatabase.Session(connection: connection))
        } catch {
            try? await connection.close()
            throw error
        }
        return connection
    }

    private func close(_ connection: SQLiteConnection) {
        connection.close().whenComplete { _ in
            self.state.withLock { $0.count -= 1 }
            self.finishIfDrained()
        }
    }

    private func finishIfDrained() {
        let drained = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard state.closed, state.count == 0 else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in drained { waiter.resume() }
    }

    /// Refuses new requests, closes every connection (those in use when they come back, those
    /// being opened once they are) and returns when all are closed; the thread pool can stop then.
    func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            state.closed = true
            defer {
                state.idle = []
                state.waiters = []
            }
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.resume(throwing: SQLitePoolClosed()) }
        for connection in idle { close(connection) }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state in
                guard state.count > 0 else { return true }
                state.drained.append(waiter)
                return false
            }
            if done { waiter.resume() }
        }
    }
}

/// The error of a request to a pool that has shut down.
struct SQLitePoolClosed: Error, CustomStringConvertible {
    var description: String { "the SQLite connection pool has shut down" }
}
