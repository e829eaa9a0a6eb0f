/// What ``SQLAuthStore/createTables()`` did.
public struct SQLMigrationReport: Sendable, Hashable {
    /// The migrations this call applied, oldest first; empty when the schema was already current.
    public let applied: [SQLSchemaMigration]
    /// The schema version the database is at now.
    public let schemaVersion: Int

    init(applied: [SQLSchemaMigration], schemaVersion: Int) {
        self.applied = applied
        self.schemaVersion = schemaVersion
    }
}
