import ArgumentParser
import FastAuthDatabase
import FastAuthSQL
import Foundation

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Create or upgrade FastAuth's database tables.",
        discussion: """
            Applies each schema migration the database has not recorded yet, in one locked \
            transaction, so it is safe to run on every deploy and from several instances at once. \
            The database is --database-url, else FASTAUTH_DATABASE_URL, else \
            \(DatabaseURL.defaultURL). Forms: sqlite://PATH, sqlite::memory:, \
            postgres://user:pass@host:port/db (add ?sslmode=disable for a server without TLS).
            """)

    @Option(name: .customLong("database-url"), help: "The database URL (overrides FASTAUTH_DATABASE_URL).")
    var databaseURL: String?

    func run() async throws {
        let url = Self.databaseURL(flag: databaseURL, environment: ProcessInfo.processInfo.environment)
        print(try await Self.migrate(url: url), terminator: "")
    }

    /// The URL to use: the flag, else a non-empty `FASTAUTH_DATABASE_URL`, else the default.
    static func databaseURL(flag: String?, environment: [String: String]) -> String {
        if let flag { return flag }
        if let variable = environment["FASTAUTH_DATABASE_URL"], !variable.isEmpty { return variable }
        return DatabaseURL.defaultURL
    }

    /// Opens the database at `url`, runs the migrations, closes it, and says what was done.
    static func migrate(url: String) async throws -> String {
        let connection = try DatabaseConnection.open(url)
        let report: SQLMigrationReport
        do {
            report = try await SQLAuthStore(connection).createTables()
        } catch {
            await connection.shutdown()
            throw error
        }
        await connection.shutdown()
        return describe(report, location: connection.location)
    }

    static func describe(_ report: SQLMigrationReport, location: DatabaseURL) -> String {
        guard !report.applied.isEmpty else {
            return "\(location) is up to date (schema version \(report.schemaVersion)); nothing to apply.\n"
        }
        var text = "Migrated \(location) to schema version \(report.schemaVersion):\n"
        for migration in report.applied {
            text += "  applied \(migration.version): \(migration.name)\n"
        }
        return text
    }
}
