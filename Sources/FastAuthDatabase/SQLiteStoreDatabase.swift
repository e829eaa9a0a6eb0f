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
struct SQLiteStoreDatabase: SQLDatabase {
    let pool: SQLiteConnectionPool
    let logger: Logger
    let eventLoop: any EventLoop

    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { nil }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = try Self.prepare(query, for: self)
        try await pool.withConnection { connection in
            try await connection.query(sql, binds) { onRow($0.sql()) }
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await pool.withConnection { connection in
            try await closure(Session(connection: connection))
        }
    }

    /// The SQL text and SQLite values of `query`.
    fileprivate static func prepare(_ query: any SQLExpression, for database: any SQLDatabase) throws -> (String, [SQLiteData]) {
        let (sql, binds) = database.serialize(query)
        let encoder = SQLiteDataEncoder()
        return (sql, try binds.map { try encoder.encode($0) })
    }

    /// One connection, for the statements of a transaction (or of a connection being prepared).
    struct Session: SQLDatabase {
        let connection: SQLiteConnection

        var logger: Logger { connection.logger }
        var eventLoop: any EventLoop { connection.eventLoop }
        var dialect: any SQLDialect { SQLiteDialect() }
        var queryLogLevel: Logger.Level? { nil }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
            eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
        }

        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
            let (sql, binds) = try SQLiteStoreDatabase.prepare(query, for: self)
            try await connection.query(sql, binds) { onRow($0.sql()) }
        }

        func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
            try await closure(self)
        }
    }
}
