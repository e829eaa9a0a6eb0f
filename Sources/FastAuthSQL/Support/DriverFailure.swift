import FastAuth

/// What a driver error means to the store, read without importing any driver: FastAuthSQL depends
/// on SQLKit only, so SQLiteNIO's `SQLiteError` and PostgresNIO's `PSQLError` are recognised by
/// shape. Only the error's type name and its code ever leave this type — never the driver's
/// message or query, which can carry bound values (password hashes, token ids).
struct DriverFailure: Sendable {
    enum Kind: Sendable, Equatable {
        /// Another connection holds the lock (SQLITE_BUSY / SQLITE_LOCKED) or PostgreSQL gave up a
        /// transaction to resolve a conflict (40001 serialization failure, 40P01 deadlock): retry.
        case retryable
        /// A UNIQUE or PRIMARY KEY constraint refused the row (SQLite 19 / PostgreSQL 23505).
        case uniqueViolation
        /// A FOREIGN KEY constraint refused the row (SQLite 19 / PostgreSQL 23503).
        case foreignKeyViolation
        /// Anything else: connection trouble, syntax, permissions, corruption.
        case other
    }

    let kind: Kind
    /// A short description safe to show: the error type and its code.
    let summary: String

    init(kind: Kind, summary: String) {
        self.kind = kind
        self.summary = summary
    }

    init(_ error: any Error) {
        let typeName = String(describing: type(of: error))
        if let reason = Self.sqliteReason(of: error) {
            kind = Self.kind(sqliteReason: reason, error: error)
            summary = Self.withHint("\(typeName) \(reason)", Self.hint(sqliteReason: reason, error: error))
        } else if let state = Self.postgresSQLState(of: error) {
            kind = Self.kind(sqlState: state)
            summary = Self.withHint("\(typeName) SQLSTATE \(state)", Self.hint(sqlState: state))
        } else if let code = Self.postgresCode(of: error) {
            kind = .other
            summary = Self.withHint("\(typeName) \(code)", code == "connectionError" ? "could not connect" : nil)
        } else {
            kind = .other
            summary = typeName
        }
    }

    private static func withHint(_ summary: String, _ hint: String?) -> String {
        hint.map { "\(summary): \($0)" } ?? summary
    }

    // MARK: SQLite

    /// SQLiteNIO's `SQLiteError` is a struct with a `reason` enum whose case names follow SQLite's
    /// result codes (`busy`, `constraintUniqueFailed`, …).
    private static func sqliteReason(of error: any Error) -> String? {
        guard String(describing: type(of: error)) == "SQLiteError" else { return nil }
        let reason = Mirror(reflecting: error).children.first { $0.label == "reason" }?.value
        return reason.map { String(describing: $0) }
    }

    private static func sqliteMessage(of error: any Error) -> String {
        let message = Mirror(reflecting: error).children.first { $0.label == "message" }?.value
        return message.map { String(describing: $0) } ?? ""
    }

    private static func kind(sqliteReason reason: String, error: any Error) -> Kind {
        if reason.hasPrefix("busy") || reason.hasPrefix("locked") { return .retryable }
        switch reason {
        case "constraintUniqueFailed", "constraintPrimaryKeyFailed": return .uniqueViolation
        case "constraintForeignKeyFailed": return .foreignKeyViolation
        case "constraint":
            // Without extended result codes only the message tells which constraint failed.
            let message = sqliteMessage(of: error)
            if message.contains("UNIQUE constraint failed") { return .uniqueViolation }
            if message.contains("FOREIGN KEY constraint failed") { return .foreignKeyViolation }
            return .other
        default: return .other
        }
    }

    /// Words for the failures an operator meets first; fixed strings, nothing from the driver.
    private static func hint(sqliteReason reason: String, error: any Error) -> String? {
        if reason.hasPrefix("cantOpen") { return "the database file cannot be opened" }
        if reason.hasPrefix("readOnly") || reason.hasPrefix("readonly") { return "the database is read-only" }
        if reason == "error", sqliteMessage(of: error).hasPrefix("no such table") {
            return "a FastAuth table is missing; run createTables() or `fastauth migrate`"
        }
        return nil
    }

    // MARK: PostgreSQL

    /// PostgresNIO's `PSQLError` keeps its server fields private but lists them in its debug
    /// description (`serverInfo: [sqlState: 23505, …]`); only the five-character code is taken.
    private static func postgresSQLState(of error: any Error) -> String? {
        guard String(describing: type(of: error)) == "PSQLError" else { return nil }
        let text = String(reflecting: error)
        guard let range = text.firstRange(of: "sqlState: ") else { return nil }
        let state = text[range.upperBound...].prefix(5)
        guard state.count == 5, state.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        return String(state)
    }

    /// The `PSQLError` code name (`connectionError`, `serverClosedConnection`, …).
    private static func postgresCode(of error: any Error) -> String? {
        guard String(describing: type(of: error)) == "PSQLError" else { return nil }
        let text = String(reflecting: error)
        let prefix = "PSQLError(code: "
        guard text.hasPrefix(prefix) else { return nil }
        let code = text.dropFirst(prefix.count).prefix { $0.isLetter || $0.isNumber }
        return code.isEmpty ? nil : String(code)
    }

    private static func hint(sqlState state: String) -> String? {
        switch state {
        case "28P01", "28000": "authentication failed"
        case "3D000": "the database does not exist"
        case "42P01": "a FastAuth table is missing; run createTables() or `fastauth migrate`"
        case "42501": "permission denied"
        case "53300": "too many connections"
        case "57P01", "57P02", "57P03": "the server is shutting down or starting up"
        default: nil
        }
    }

    private static func kind(sqlState state: String) -> Kind {
        switch state {
        case "23505": .uniqueViolation
        case "23503": .foreignKeyViolation
        case "40001", "40P01", "55P03": .retryable
        default: .other
        }
    }
}
