import Logging
import NIOCore
import SQLKit
import SQLiteKit

/// `SQLDatabase` over a ``SQLiteConnectionPool``: each statement borrows a connection, and
/// `withSession` holds one for a whole transaction.
///
/// Statements run through `SQLiteConnection`'s own async `query`, which executes on the SQLite
/// thread pool and resumes the caller directly. (SQLiteKit's wrapper reaches the futures-based
/// `query` instead, which hops through an event loop for every row and for the result.)
struct SQLiteStoreDatabase: SQLiteStatementRunner {
    let pool: SQLiteConnectionPool
    let logger: Logger
    let eventLoop: any EventLoop

    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: @escaping @Sendable (SQLiteRow) -> Void) async throws {
        try await pool.withConnection { try await $0.query(sql, binds, onRow) }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await pool.withConnection { try await closure(Session(connection: $0)) }
    }

    /// One connection, for the statements of a transaction (or of a connection being prepared).
    struct Session: SQLiteStatementRunner {
        let connection: SQLiteConnection

        var logger: Logger { connection.logger }
        var eventLoop: any EventLoop { connection.eventLoop }

        func run(_ sql: String, _ binds: [SQLiteData], _ onRow: @escaping @Sendable (SQLiteRow) -> Void) async throws {
            try await connection.query(sql, binds, onRow)
        }

        func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
            try await closure(self)
        }
    }
}

/// An `SQLDatabase` for SQLite defined by how it runs one statement.
protocol SQLiteStatementRunner: SQLDatabase {
    /// Runs `sql` with `binds`, handing each result row to `onRow`.
    func run(_ sql: String, _ binds: [SQLiteData], _ onRow: @escaping @Sendable (SQLiteRow) -> Void) async throws
}

extension SQLiteStatementRunner {
    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(
        sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        let encoder = SQLiteDataEncoder()
        try await run(sql, try binds.map { try encoder.encode($0) }) { onRow($0.sql()) }
    }
}
