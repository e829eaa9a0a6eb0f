/// One versioned step of FastAuthSQL's schema.
public struct SQLSchemaMigration: Sendable, Hashable, CustomStringConvertible {
    /// The version the step brings the schema to (1, 2, …).
    public let version: Int
    /// What the step does, in words.
    public let name: String
    /// The statements, run in order in the migration transaction.
    let statements: [SQLSchemaStatement]

    init(version: Int, name: String, statements: [SQLSchemaStatement]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// The statements' SQL for `engine`, in order.
    func statements(for engine: SQLEngine) -> [String] {
        statements.compactMap { $0.sql(for: engine) }
    }

    public var description: String { "\(version): \(name)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.version == rhs.version && lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(name)
    }
}

/// One statement of a migration: the same SQL on every engine (a string literal), or one text
/// per engine where their SQL must differ (a binary column is BLOB on SQLite, BYTEA on PostgreSQL).
enum SQLSchemaStatement: Sendable, ExpressibleByStringLiteral {
    case portable(String)
    case perEngine(sqlite: String, postgresql: String)
    /// A statement only one engine runs (SQLite rebuilds a table where PostgreSQL alters it).
    case only(SQLEngine, String)

    init(stringLiteral value: String) {
        self = .portable(value)
    }

    func sql(for engine: SQLEngine) -> String? {
        switch (self, engine) {
        case (.portable(let sql), _): sql
        case (.perEngine(let sql, _), .sqlite): sql
        case (.perEngine(_, let sql), .postgresql): sql
        case (.only(let only, let sql), _): only == engine ? sql : nil
        }
    }
}
