import FastAuth
import FastAuthSQL
import Foundation
import SQLKit
import Testing

@testable import FastAuthDatabase
@testable import fastauth

/// A real database for one test: a fresh SQLite file, or a fresh schema of the PostgreSQL
/// database named by `FASTAUTH_TEST_POSTGRES_URL`. `connect()` opens another pool to the same
/// database (other connections, as another process's would be, as far as the database's locks
/// go; on SQLite the pools of one process still share the file's writer queue); everything is
/// removed afterwards.
struct TestDatabase: Sendable {
    let engine: String
    let connect: @Sendable () throws -> DatabaseConnection

    /// Opens a pool, hands `body` a store over it (with tables when `createTables`), closes it.
    func withStore<T: Sendable>(
        createTables: Bool = true, _ body: (SQLAuthStore, DatabaseConnection) async throws -> T
    ) async throws -> T {
        let connection = try connect()
        do {
            let store = SQLAuthStore(connection)
            if createTables { try await store.createTables() }
            let result = try await body(store, connection)
            await connection.shutdown()
            return result
        } catch {
            await connection.shutdown()
            throw error
        }
    }

    // MARK: SQLite

    /// A new SQLite file in the temporary directory, deleted (with its WAL files) afterwards.
    static func withSQLite<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let path = NSTemporaryDirectory() + "fastauth-sql-\(UUID().uuidString).db"
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        return try await body(TestDatabase(engine: "sqlite") { try DatabaseConnection.open("sqlite://\(path)") })
    }

    // MARK: PostgreSQL

    /// `FASTAUTH_TEST_POSTGRES_URL`, when set.
    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new schema in the test database, dropped afterwards, so runs never see each other's rows.
    static func withPostgres<T: Sendable>(_ body: (TestDatabase) async throws -> T) async throws -> T {
        let url = try #require(postgresURL, "FASTAUTH_TEST_POSTGRES_URL is not set")
        let location = try DatabaseURL(url)
        let schema = "fastauth_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let admin = try DatabaseConnection.open(location)
        do {
            try await admin.database.raw("CREATE SCHEMA \(ident: schema)").run()
            let database = TestDatabase(engine: "postgresql") {
                try DatabaseConnection.open(location, postgresSearchPath: [schema])
            }
            let result = try await body(database)
            try await admin.database.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
            await admin.shutdown()
            return result
        } catch {
            try? await admin.database.raw("DROP SCHEMA \(ident: schema) CASCADE").run()
            await admin.shutdown()
            throw error
        }
    }
}
