import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SQLAuthStore {
    /// Creates or upgrades FastAuth's tables: runs each versioned migration not yet recorded in
    /// `fastauth_migrations`, once. Safe to call on every start and from several processes at
    /// once: the whole check-and-apply is one transaction holding a lock — PostgreSQL's
    /// `pg_advisory_xact_lock`, SQLite's write lock from `BEGIN IMMEDIATE` — so a second caller
    /// waits, then finds nothing left to do.
    @discardableResult
    public func createTables() async throws -> SQLMigrationReport {
        try await createTables(upTo: Int.max)
    }

    /// ``createTables()``, applying only the migrations up to `version` (to build an older schema
    /// in tests of the upgrade path).
    @discardableResult
    func createTables(upTo version: Int) async throws -> SQLMigrationReport {
        let appliedAt = Date().storedMilliseconds
        // Foreign keys are off on SQLite while migrating (a table rebuild must not cascade) and
        // checked before the commit.
        return try await transaction("migrate the FastAuth tables", sqliteForeignKeysOff: true) { database, engine in
            if engine == .postgresql {
                try await database.raw("SELECT pg_advisory_xact_lock(\(literal: SQLSchema.postgresMigrationLock))")
                    .run()
            }
            try await database.raw(SQLQueryString(SQLSchema.migrationsTable)).run()
            let recorded = Set(
                try await database.raw("SELECT version FROM fastauth_migrations").all().map {
                    try StoredRow($0, table: "fastauth_migrations").int64("version")
                })
            var applied: [SQLSchemaMigration] = []
            for migration in SQLSchema.migrations
            where migration.version <= version && !recorded.contains(Int64(migration.version)) {
                for statement in migration.statements(for: engine) {
                    try await database.raw(SQLQueryString(statement)).run()
                }
                try await database.raw(
                    """
                    INSERT INTO fastauth_migrations (version, name, applied_at)
                    VALUES (\(bind: Int64(migration.version)), \(bind: migration.name), \(bind: appliedAt))
                    """
                ).run()
                applied.append(migration)
            }
            if engine == .sqlite, !applied.isEmpty,
                try await database.raw("PRAGMA foreign_key_check").first() != nil
            {
                throw StoreError(.corrupt, "the migration left rows that refer to missing records; nothing was changed")
            }
            let versions = recorded.map(Int.init) + applied.map(\.version)
            return SQLMigrationReport(applied: applied, schemaVersion: versions.max() ?? 0)
        }
    }
}
