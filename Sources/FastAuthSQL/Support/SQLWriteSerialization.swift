public import SQLKit

/// How one process queues its writes to a database that has a single writer (SQLite): write
/// transactions one at a time, in arrival order, and single-statement writes in group commits.
///
/// There must be one per database per process — every store over the same database shares it —
/// or "one writer at a time" would hold only per store. FastAuthDatabase implements it for SQLite
/// (one per database file, kept in a process-wide registry); PostgreSQL needs none.
public protocol SQLWriteSerialization: AnyObject, Sendable {
    /// Runs `body` as this process's only writer of the database, after the writers already
    /// waiting.
    func exclusively<T: Sendable>(_ body: () async throws -> T) async rethrows -> T

    /// Runs `statement`, one writing statement (atomic by itself), in the next group commit and
    /// returns its result once the commit that made it durable is done.
    ///
    /// Statements that queue up while a batch is written go together into one transaction (run
    /// with a queued write's ``SQLWriteExecutor/transaction(_:)``); when that transaction fails,
    /// each statement runs again alone through its own executor's ``SQLWriteExecutor/alone(_:)``,
    /// so each caller sees exactly the outcome its statement has alone.
    func groupCommit<T: Sendable>(
        _ statement: @escaping @Sendable (any SQLDatabase) async throws -> T, through executor: any SQLWriteExecutor
    ) async throws -> T
}

/// How a store runs the writes of a group commit (see ``SQLWriteSerialization``), with its own
/// retries and error reporting. Called while the caller of `groupCommit` is this process's writer.
public protocol SQLWriteExecutor: Sendable {
    /// Runs `body` in one write transaction on one connection, retrying lock conflicts, committing
    /// when it returns and rolling back when it throws.
    func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R

    /// Runs `statement` alone on the database, retrying lock conflicts; its errors are the
    /// store's own (``StoreError``), ready for the caller.
    func alone<R: Sendable>(_ statement: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
}
