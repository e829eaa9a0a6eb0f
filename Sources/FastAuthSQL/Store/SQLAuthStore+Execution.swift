import FastAuth
import SQLKit

extension SQLAuthStore {
    /// Runs `body` on the store's database, retrying lock conflicts a bounded number of times and
    /// turning driver errors into ``StoreError``s.
    func perform<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        _ = try SQLEngine(database)
        return try await retrying(operation) { try await body(database) }
    }

    /// Runs `body`, a single writing statement (atomic by itself), on the store's database.
    ///
    /// With a write serialisation (SQLite) the write joins the next group commit: statements
    /// that queue up while a batch is written go together into one transaction — one WAL sync for
    /// all — and each caller gets its own result once that transaction has committed. A
    /// statement failing inside a batch rolls the batch back, and its writes then run one by one,
    /// so each caller sees exactly the outcome its statement has alone.
    func performWrite<T: Sendable>(
        _ operation: String, _ body: @escaping @Sendable (any SQLDatabase) async throws -> T
    ) async throws -> T {
        guard let serialization = driver.writeSerialization else { return try await perform(operation, body) }
        let engine = try SQLEngine(database)
        return try await serialization.groupCommit(
            body, through: GroupedWriteExecutor(store: self, operation: operation, engine: engine))
    }

    /// Runs `body` in one write transaction on one connection (`BEGIN IMMEDIATE` on SQLite,
    /// `BEGIN` on PostgreSQL), committing when it returns and rolling back when it throws.
    /// A lock conflict retries the whole transaction. A body that throws
    /// ``RollbackTransaction`` rolls back and returns the error's result.
    ///
    /// `sqliteForeignKeysOff` turns SQLite's foreign-key enforcement off on the transaction's
    /// connection for its duration (it can only change outside a transaction) and back on after:
    /// for migrations that rebuild a table others refer to.
    func transaction<T: Sendable>(
        _ operation: String, sqliteForeignKeysOff: Bool = false,
        _ body: @escaping @Sendable (any SQLDatabase, SQLEngine) async throws -> T
    ) async throws -> T {
        let engine = try SQLEngine(database)
        let foreignKeysOff = sqliteForeignKeysOff && engine == .sqlite
        guard let serialization = driver.writeSerialization else {
            return try await runTransaction(operation, engine, foreignKeysOff: foreignKeysOff, body)
        }
        return try await serialization.exclusively {
            try await runTransaction(operation, engine, foreignKeysOff: foreignKeysOff, body)
        }
    }

    fileprivate func runTransaction<T: Sendable>(
        _ operation: String, _ engine: SQLEngine, foreignKeysOff: Bool = false,
        _ body: @escaping @Sendable (any SQLDatabase, SQLEngine) async throws -> T
    ) async throws -> T {
        try await retrying(operation) {
            try await database.withSession { connection in
                if foreignKeysOff { try await connection.raw("PRAGMA foreign_keys = OFF").run() }
                let outcome: Result<T, any Error>
                do {
                    try await connection.raw(SQLQueryString(engine.beginWriteTransaction)).run()
                    do {
                        let result = try await body(connection, engine)
                        try await connection.raw("COMMIT").run()
                        outcome = .success(result)
                    } catch let rollback as RollbackTransaction<T> {
                        try await connection.raw("ROLLBACK").run()
                        outcome = .success(rollback.result)
                    }
                } catch {
                    // After a failed COMMIT PostgreSQL has already ended the transaction and
                    // SQLite may not have; ROLLBACK is harmless in both cases.
                    try? await connection.raw("ROLLBACK").run()
                    outcome = .failure(error)
                }
                // The connection goes back to the pool: it must enforce foreign keys again.
                if foreignKeysOff { try await connection.raw("PRAGMA foreign_keys = ON").run() }
                return try outcome.get()
            }
        }
    }

    fileprivate func retrying<T: Sendable>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as StoreError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                let failure =
                    (error as? RetryableConflict).map { _ in
                        DriverFailure(kind: .retryable, summary: "conflicting concurrent change")
                    } ?? driver.failure(for: error)
                guard failure.kind == .retryable, attempt < configuration.maxAttempts else {
                    throw Self.storeError(failure, operation: operation)
                }
                // Back off a little, growing and jittered, so retries do not collide again.
                let milliseconds = UInt64.random(in: 5...20) * UInt64(attempt)
                try await Task.sleep(nanoseconds: milliseconds * 1_000_000)
                attempt += 1
            }
        }
    }

    static func storeError(_ failure: DriverFailure, operation: String) -> StoreError {
        switch failure.kind {
        case .uniqueViolation:
            StoreError(
                .duplicateID, "could not \(operation): a record with this id already exists (\(failure.summary))")
        case .foreignKeyViolation:
            StoreError(
                .unavailable,
                "could not \(operation): the database refused a row that refers to a missing record "
                    + "(\(failure.summary))")
        case .retryable:
            StoreError(
                .unavailable, "could not \(operation): the database stayed locked by other writers (\(failure.summary))"
            )
        case .other:
            StoreError(
                .unavailable,
                "could not \(operation): the database could not be reached or refused the operation "
                    + "(\(failure.summary))")
        }
    }
}

/// How a group commit runs one store's writes: the batch transaction and the lone statement,
/// with the store's retries and its errors.
private struct GroupedWriteExecutor: SQLWriteExecutor {
    let store: SQLAuthStore
    let operation: String
    let engine: SQLEngine

    func transaction<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await store.runTransaction("write a batch of changes", engine) { connection, _ in try await body(connection)
        }
    }

    func alone<R: Sendable>(_ statement: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await store.retrying(operation) { try await statement(store.database) }
    }
}

/// Thrown inside a transaction when a conditional write matched nothing although a re-read shows
/// it should have (a concurrent change in between): the transaction rolls back and runs again.
struct RetryableConflict: Error {}

/// Thrown inside a transaction to undo its writes and still return `result`: a compare-and-set of
/// several statements whose later condition fails after an earlier one already wrote.
struct RollbackTransaction<Result: Sendable>: Error {
    let result: Result
}
