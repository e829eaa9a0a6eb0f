/// One versioned step of FastAuthSQL's schema.
public struct SQLSchemaMigration: Sendable, Hashable, CustomStringConvertible {
    /// The version the step brings the schema to (1, 2, …).
    public let version: Int
    /// What the step does, in words.
    public let name: String
    /// The statements, run in order in the migration transaction.
    let statements: [String]

    init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    public var description: String { "\(version): \(name)" }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.version == rhs.version && lhs.name == rhs.name }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(version)
        hasher.combine(name)
    }
}
