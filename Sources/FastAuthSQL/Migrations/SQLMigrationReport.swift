/// What ``SQLAuthStore/createTables()`` did.
public struct SQLMigrationReport: Sendable, Hashable, CustomStringConvertible {
    /// The migrations this call applied, oldest first; empty when the schema was already current.
    public let applied: [SQLSchemaMigration]
    /// The schema version the database is at now.
    public let schemaVersion: Int

    init(applied: [SQLSchemaMigration], schemaVersion: Int) {
        self.applied = applied
        self.schemaVersion = schemaVersion
    }

    /// One line: `schema version 3, up to date` or `schema version 3, applied 2, 3`.
    public var description: String {
        applied.isEmpty
            ? "schema version \(schemaVersion), up to date"
            : "schema version \(schemaVersion), applied \(applied.map { String($0.version) }.joined(separator: ", "))"
    }
}
