import FastAuth
import SQLKit

/// The SQL engines FastAuthSQL speaks, told apart by `SQLDatabase.dialect.name` where their SQL
/// text must differ (transaction start, row and migration locking). Only SQL text: what the
/// driver's errors mean and how writes queue come from the store's ``SQLDriverSupport``.
enum SQLEngine: Sendable {
    case sqlite
    case postgresql

    /// The engine of `database`; any other dialect is refused with a readable reason.
    init(_ database: any SQLDatabase) throws(StoreError) {
        switch database.dialect.name {
        case "sqlite": self = .sqlite
        case "postgresql": self = .postgresql
        case let other:
            throw StoreError(
                .unavailable, "FastAuthSQL supports the sqlite and postgresql dialects, not '\(other)'")
        }
    }

    /// Starts a write transaction. SQLite takes the write lock up front (`BEGIN IMMEDIATE`) so two
    /// writers never deadlock upgrading read locks; PostgreSQL relies on row locks.
    var beginWriteTransaction: String {
        switch self {
        case .sqlite: "BEGIN IMMEDIATE"
        case .postgresql: "BEGIN"
        }
    }
}
