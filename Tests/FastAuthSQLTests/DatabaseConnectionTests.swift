import ArgumentParser
import FastAuth
import FastAuthSQL
import Foundation
import SQLKit
import Testing

@testable import FastAuthDatabase
@testable import fastauth

@Suite("Database URLs and connections")
struct DatabaseConnectionTests {
    @Test("sqlite, in-memory and postgres URLs parse")
    func parses() throws {
        #expect(try DatabaseURL("sqlite://fastauth.db") == .sqliteFile(path: "fastauth.db"))
        #expect(try DatabaseURL("sqlite:///var/lib/fastauth/auth.db") == .sqliteFile(path: "/var/lib/fastauth/auth.db"))
        #expect(try DatabaseURL("sqlite::memory:") == .sqliteMemory)
        #expect(try DatabaseURL(DatabaseURL.defaultURL) == .sqliteFile(path: "fastauth.db"))
        guard case .postgres(let postgres) = try DatabaseURL("postgres://auth:s3cret@db.internal:6543/fastauth") else {
            Issue.record("expected a PostgreSQL location")
            return
        }
        #expect(postgres.host == "db.internal" && postgres.port == 6543)
        #expect(postgres.username == "auth" && postgres.database == "fastauth")
        guard case .postgres(let defaulted) = try DatabaseURL("postgresql://auth@localhost/fastauth?sslmode=disable")
        else {
            Issue.record("expected a PostgreSQL location")
            return
        }
        #expect(defaulted.port == 5432)
    }

    @Test(
        "bad URLs are refused with the problem named and the password never echoed",
        arguments: [
            ("mysql://root:hunter2pw@db/fastauth", "scheme 'mysql'"),
            ("fastauth.db", "no scheme"),
            ("sqlite://", "names no file"),
            ("postgres://root:hunter2pw@/fastauth", "no host"),
            ("postgres://:hunter2pw@db/fastauth", "no user"),
            ("postgres://root:hunter2pw@db", "no database"),
            ("postgres://root:hunter2pw@db/fastauth?sslmode=sometimes", "sslmode"),
            ("postgres://root:hunter2pw@db/fastauth?application_name=x", "unknown option"),
        ])
    func refuses(url: String, problem: String) {
        let error = #expect(throws: DatabaseURLError.self) { try DatabaseURL(url) }
        #expect(error?.description.contains(problem) == true, "\(error.map(String.init(describing:)) ?? "")")
        #expect(error?.description.contains("hunter2pw") == false)
    }

    @Test("a PostgreSQL location describes itself without the password")
    func describesWithoutPassword() throws {
        let location = try DatabaseURL("postgres://auth:hunter2pw@db.internal:5432/fastauth")
        #expect(location.description == "PostgreSQL database fastauth at db.internal:5432 as auth")
    }

    @Test("every pooled SQLite connection uses WAL, a 5 s busy timeout and foreign keys")
    func sqlitePragmas() async throws {
        try await TestDatabase.withSQLite { database in
            let connection = try database.connect()
            let outcome = await Result { () async throws -> [[String]] in
                try await withThrowingTaskGroup(of: [String].self) { group in
                    for _ in 0..<16 {
                        group.addTask {
                            try await connection.database.withSession { session in
                                let journal = try await session.raw("PRAGMA journal_mode").first()
                                let timeout = try await session.raw("PRAGMA busy_timeout").first()
                                let keys = try await session.raw("PRAGMA foreign_keys").first()
                                let values = [
                                    try journal?.decode(column: "journal_mode", as: String.self) ?? "",
                                    try timeout.map { String(try $0.decode(column: "timeout", as: Int.self)) } ?? "",
                                    try keys.map { String(try $0.decode(column: "foreign_keys", as: Int.self)) } ?? "",
                                ]
                                try await Task.sleep(for: .milliseconds(20))  // hold the connection so others open
                                return values
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            await connection.shutdown()  // also when a query failed: a pool must be shut down
            let settings = try outcome.get()
            #expect(settings.count == 16)
            #expect(settings.allSatisfy { $0 == ["wal", "5000", "1"] }, "\(settings)")
        }
    }

    @Test("a new SQLite database and its -wal and -shm files are created 0600, whatever the umask allows")
    func sqliteFilesOwnerOnly() async throws {
        let path = NSTemporaryDirectory() + "fastauth-mode-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let previous = umask(0o022)
        defer { umask(previous) }
        let connection = try DatabaseConnection.open("sqlite://" + path)
        let outcome = await Result { () async throws in
            let store = SQLAuthStore(connection)
            try await store.createTables()
            try await connection.database.raw("CREATE TABLE probe (x INTEGER)").run()
            try await connection.database.raw("INSERT INTO probe VALUES (1)").run()
            var modes: [String: Int] = [:]
            for suffix in ["", "-wal", "-shm"] {
                let attributes = try FileManager.default.attributesOfItem(atPath: path + suffix)
                modes[suffix] = (attributes[.posixPermissions] as? NSNumber)?.intValue
            }
            return modes
        }
        await connection.shutdown()
        let modes = try outcome.get()
        #expect(modes == ["": 0o600, "-wal": 0o600, "-shm": 0o600], "\(modes.mapValues { String($0, radix: 8) })")
    }

    @Test("shutting down right after a burst of queries leaves no SQLite connection open, even one still opening")
    func shutdownAfterBurst() async throws {
        // A burst larger than the pool makes the pool open connections some of which finish
        // opening only after the burst is served; shutdown must wait for them and close them
        // while the thread pool still runs (SQLiteNIO asserts in debug builds otherwise).
        try await TestDatabase.withSQLite { database in
            for _ in 0..<100 {
                let connection = try database.connect()
                let outcome = await Result {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for _ in 0..<12 { group.addTask { _ = try await connection.database.raw("SELECT 1").all() } }
                        try await group.waitForAll()
                    }
                }
                await connection.shutdown()
                try outcome.get()
            }
        }
    }

    @Test("sqlite::memory: is one database that every use of the connection sees")
    func sharedMemoryDatabase() async throws {
        let connection = try DatabaseConnection.open("sqlite::memory:")
        do {
            let store = SQLAuthStore(connection)
            try await store.createTables()
            let users = (0..<20).map { _ in Samples.user() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for user in users { group.addTask { _ = try await store.createUser(user) } }
                try await group.waitForAll()
            }
            for user in users { #expect(try await store.emailExists(user.account.email)) }
            #expect(try await store.createTables().applied.isEmpty)
        } catch {
            await connection.shutdown()
            throw error
        }
        await connection.shutdown()
    }

    @Test("migrate creates the tables, then says the schema is current")
    func migrate() async throws {
        let path = NSTemporaryDirectory() + "fastauth-migrate-\(UUID().uuidString).db"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let first = try await MigrateCommand.migrate(url: "sqlite://\(path)")
        #expect(first.hasPrefix("Migrated SQLite database \(path) to schema version 7:"))
        #expect(first.contains("applied 1: create users, sessions, refresh tokens, counters and locks"))
        #expect(first.contains("applied 2: create signing keys (at most one next and one current)"))
        #expect(first.contains("applied 3: keep each session's refresh-token chain in the session row"))
        #expect(first.contains("applied 4: record login attempts for the sliding lockout"))
        #expect(first.contains("applied 5: create roles, role permissions and user roles"))
        #expect(
            first.contains(
                "applied 6: allow users without a password, soft deletion, one-time tokens and the email outbox"))
        #expect(first.contains("applied 7: create social sign-in flows and linked provider accounts"))
        let second = try await MigrateCommand.migrate(url: "sqlite://\(path)")
        #expect(second == "SQLite database \(path) is up to date (schema version 7); nothing to apply.\n")
    }

    @Test("migrate reads --database-url, then FASTAUTH_DATABASE_URL, then the default")
    func migrateURL() throws {
        let environment = ["FASTAUTH_DATABASE_URL": "sqlite://from-env.db"]
        #expect(MigrateCommand.databaseURL(flag: "sqlite::memory:", environment: environment) == "sqlite::memory:")
        #expect(MigrateCommand.databaseURL(flag: nil, environment: environment) == "sqlite://from-env.db")
        #expect(
            MigrateCommand.databaseURL(flag: nil, environment: ["FASTAUTH_DATABASE_URL": ""]) == "sqlite://fastauth.db")
        #expect(MigrateCommand.databaseURL(flag: nil, environment: [:]) == "sqlite://fastauth.db")
        #expect(try MigrateCommand.parse(["--database-url", "sqlite::memory:"]).databaseURL == "sqlite::memory:")
    }

    @Test("migrate against an unreachable PostgreSQL server fails with a reason and no password")
    func migrateUnreachable() async throws {
        let error = await #expect(throws: StoreError.self) {
            try await MigrateCommand.migrate(url: "postgres://fastauth:hunter2pw@127.0.0.1:1/fastauth?sslmode=disable")
        }
        #expect(error?.code == .unavailable)
        #expect(error?.description.contains("hunter2pw") == false)
    }

    @Test(
        "sslmode=require is honoured: a server without TLS is refused, never used in the clear; sslmode=disable connects",
        .enabled(
            if: ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] != nil,
            "set FASTAUTH_TEST_POSTGRES_URL to run"))
    func postgresTLSMode() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"])
        let base = url.split(separator: "?").first.map(String.init) ?? url
        let probe = try DatabaseConnection.open(base)
        let ssl = try? await probe.database.raw("SHOW ssl").first()?.decode(column: "ssl", as: String.self)
        await probe.shutdown()
        try #require(ssl == "off", "this check needs a test server without TLS (it has ssl=\(ssl ?? "?"))")
        for mode in ["require", "verify-full"] {
            let connection = try DatabaseConnection.open(base + "?sslmode=" + mode)
            await #expect(throws: (any Error).self) { try await connection.database.raw("SELECT 1 AS one").run() }
            await connection.shutdown()
        }
        let clear = try DatabaseConnection.open(base + "?sslmode=disable")
        #expect(try await clear.database.raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self) == 1)
        await clear.shutdown()
    }
}
