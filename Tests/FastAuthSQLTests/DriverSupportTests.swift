import FastAuth
import FastAuthSQL
import Foundation
import SQLKit
import Synchronization
import Testing

@testable import FastAuthDatabase

/// The engine-specific machinery `DatabaseConnection` hands the store: one SQLite writer per
/// database file per process, and driver errors read from the drivers' own types.
@Suite("SQLite writer: one per file per process")
struct SQLiteWriterSharingTests {
    @Test("stores over separate pools to one SQLite file share one writer gate and batcher, under any path to the file")
    func sharedPerFile() async throws {
        let directory = NSTemporaryDirectory() + "fastauth-writer-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/auth.db"
        let link = directory + "/link.db"
        let first = try DatabaseConnection.open("sqlite://\(path)")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: path)
        let second = try DatabaseConnection.open("sqlite://\(directory)/./auth.db")
        let third = try DatabaseConnection.open("sqlite://\(link)")
        let elsewhere = try DatabaseConnection.open("sqlite://\(directory)/other.db")
        let (a, b, c, d) = (SQLAuthStore(first), SQLAuthStore(second), SQLAuthStore(third), SQLAuthStore(elsewhere))
        let outcome = await Result { () async throws in
            let shared = try #require(a.sqliteWrites)
            #expect(try #require(b.sqliteWrites) === shared)
            #expect(try #require(c.sqliteWrites) === shared)
            #expect(try #require(SQLAuthStore(first).sqliteWrites) === shared)
            #expect(try #require(d.sqliteWrites) !== shared)
        }
        for connection in [first, second, third, elsewhere] { await connection.shutdown() }
        try outcome.get()
    }

    @Test("each in-memory SQLite database has a writer of its own; PostgreSQL has none")
    func memoryAndPostgres() async throws {
        let first = try DatabaseConnection.open("sqlite::memory:")
        let second = try DatabaseConnection.open("sqlite::memory:")
        let outcome = await Result { () async throws in
            let writes = try #require(SQLAuthStore(first).sqliteWrites)
            #expect(try #require(SQLAuthStore(first).sqliteWrites) === writes)
            #expect(try #require(SQLAuthStore(second).sqliteWrites) !== writes)
        }
        await first.shutdown()
        await second.shutdown()
        try outcome.get()
        #expect(SQLDriverSupport.postgres.writeSerialization == nil)
    }

    @Test("a write through a second pool to the same file queues behind the first pool's writer")
    func writesQueueAcrossPools() async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in
                let other = try database.connect()
                let outcome = await Result { () async throws in
                    let otherStore = SQLAuthStore(other)
                    let batcher = try #require(store.batcher)
                    let key = Samples.key("shared-writer")
                    let (gate, first) = await WriteBatchingTests.holdWriter(store)
                    let finished = Finished()
                    let queued = Task {
                        defer { finished.mark() }
                        return try await otherStore.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60))
                    }
                    let migration = Task {
                        defer { finished.mark() }
                        return try await otherStore.createTables()
                    }
                    // The other store's write joins the first store's queue: it is the same one.
                    let deadline = ContinuousClock.now + .seconds(10)
                    while batcher.pendingCount < 1, ContinuousClock.now < deadline { await Task.yield() }
                    #expect(batcher.pendingCount == 1)
                    try await Task.sleep(for: .milliseconds(100))
                    #expect(finished.count == 0, "a write of the other pool ran while the first held the writer")
                    gate.open()
                    try await first.value
                    #expect(try await queued.value == 1)
                    #expect(try await migration.value.applied.isEmpty)
                }
                await other.shutdown()
                try outcome.get()
            }
        }
    }
}

/// The tables the classifier tests provoke errors on (a parent with a UNIQUE column and one row,
/// a child with a FOREIGN KEY to it), and the classified failure of a statement.
enum DriverErrorFixture {
    static func createTables(_ sql: any SQLDatabase) async throws {
        try await sql.raw("CREATE TABLE parent (id TEXT PRIMARY KEY, email TEXT UNIQUE)").run()
        try await sql.raw("CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES parent (id))").run()
        try await sql.raw("INSERT INTO parent VALUES ('p1', 'a@example.com')").run()
    }

    /// What `classify` makes of the error `body` throws; records an issue when it throws none.
    static func failure(
        classify: (any Error) -> DriverFailure?, _ body: () async throws -> Void
    ) async throws -> DriverFailure? {
        do {
            try await body()
        } catch {
            return classify(error)
        }
        Issue.record("the statement succeeded")
        return nil
    }
}

/// Counts finished tasks.
private final class Finished: Sendable {
    private let state = Mutex(0)
    var count: Int { state.withLock { $0 } }
    func mark() { state.withLock { $0 += 1 } }
}

@Suite("Driver errors: SQLite")
struct SQLiteDriverErrorTests {
    @Test("SQLiteError from a real database: UNIQUE, PRIMARY KEY and FOREIGN KEY violations, busy, missing table")
    func classifies() async throws {
        try await TestDatabase.withSQLite { database in
            let connection = try database.connect()
            let other = try database.connect()
            let outcome = await Result { () async throws in
                let sql = connection.database
                try await DriverErrorFixture.createTables(sql)

                let unique = try await Self.failure {
                    try await sql.raw("INSERT INTO parent VALUES ('p2', 'a@example.com')").run()
                }
                #expect(unique == DriverFailure(kind: .uniqueViolation, summary: "SQLiteError constraintUniqueFailed"))
                let primary = try await Self.failure {
                    try await sql.raw("INSERT INTO parent VALUES ('p1', 'b@example.com')").run()
                }
                #expect(
                    primary == DriverFailure(kind: .uniqueViolation, summary: "SQLiteError constraintPrimaryKeyFailed"))
                let foreign = try await Self.failure {
                    try await sql.raw("INSERT INTO child VALUES ('c1', 'missing')").run()
                }
                #expect(
                    foreign
                        == DriverFailure(kind: .foreignKeyViolation, summary: "SQLiteError constraintForeignKeyFailed"))
                let missing = try await Self.failure { try await sql.raw("SELECT id FROM fastauth_users").run() }
                #expect(
                    missing
                        == DriverFailure(
                            kind: .other,
                            summary:
                                "SQLiteError error: a FastAuth table is missing; run createTables() or `fastauth migrate`"
                        ))

                // One pool holds the write lock; the other, told not to wait, is refused at once.
                let busy = try await sql.withSession { holder in
                    try await holder.raw("BEGIN IMMEDIATE").run()
                    let refused = try await other.database.withSession { contender in
                        try await contender.raw("PRAGMA busy_timeout = 0").run()
                        let failure = try await Self.failure { try await contender.raw("BEGIN IMMEDIATE").run() }
                        try await contender.raw("PRAGMA busy_timeout = 5000").run()
                        return failure
                    }
                    try await holder.raw("ROLLBACK").run()
                    return refused
                }
                #expect(busy == DriverFailure(kind: .retryable, summary: "SQLiteError busy"))

                #expect(SQLiteDriverErrors.classify(CancellationError()) == nil)
                #expect(SQLiteDriverErrors.classify(StoreError(.corrupt, "not a driver error")) == nil)
            }
            await other.shutdown()
            await connection.shutdown()
            try outcome.get()
        }
    }

    @Test("the store reports SQLite's refusals with the classified kind and summary")
    func storeErrors() async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in
                let orphan = Samples.session(userID: .generate())
                let refusal = await #expect(throws: StoreError.self) { try await store.createSession(orphan) }
                #expect(refusal?.code == .unavailable)
                #expect(
                    refusal?.reason.contains("refers to a missing record (SQLiteError constraintForeignKeyFailed)")
                        == true, "\(String(describing: refusal))")
            }
        }
    }

    /// The classified failure of the error `body` throws.
    static func failure(_ body: () async throws -> Void) async throws -> DriverFailure? {
        try await DriverErrorFixture.failure(classify: SQLiteDriverErrors.classify, body)
    }
}

@Suite(
    "Driver errors: PostgreSQL", .serialized,
    .enabled(
        if: TestDatabase.postgresURL != nil,
        "FASTAUTH_TEST_POSTGRES_URL is not set; the PostgreSQL cases are skipped (CI sets it)"))
struct PostgresDriverErrorTests {
    @Test("PSQLError from a real server: 23505, 23503, and 42P01 with its hint")
    func classifies() async throws {
        try await TestDatabase.withPostgres { database in
            let connection = try database.connect()
            let outcome = await Result { () async throws in
                let sql = connection.database
                try await DriverErrorFixture.createTables(sql)

                let unique = try await Self.failure {
                    try await sql.raw("INSERT INTO parent VALUES ('p2', 'a@example.com')").run()
                }
                #expect(unique == DriverFailure(kind: .uniqueViolation, summary: "PSQLError SQLSTATE 23505"))
                let foreign = try await Self.failure {
                    try await sql.raw("INSERT INTO child VALUES ('c1', 'missing')").run()
                }
                #expect(foreign == DriverFailure(kind: .foreignKeyViolation, summary: "PSQLError SQLSTATE 23503"))
                let missing = try await Self.failure { try await sql.raw("SELECT id FROM fastauth_users").run() }
                #expect(
                    missing
                        == DriverFailure(
                            kind: .other,
                            summary:
                                "PSQLError SQLSTATE 42P01: a FastAuth table is missing; run createTables() or `fastauth migrate`"
                        ))
                #expect(PostgresDriverErrors.classify(CancellationError()) == nil)
            }
            await connection.shutdown()
            try outcome.get()
        }
    }

    /// The classified failure of the error `body` throws.
    static func failure(_ body: () async throws -> Void) async throws -> DriverFailure? {
        try await DriverErrorFixture.failure(classify: PostgresDriverErrors.classify, body)
    }
}

@Suite("Driver errors: PostgreSQL client")
struct PostgresClientErrorTests {
    @Test("a server that cannot be reached is PSQLError connectionError")
    func unreachable() async throws {
        let connection = try DatabaseConnection.open(
            "postgres://fastauth:hunter2pw@127.0.0.1:1/fastauth?sslmode=disable")
        let failure = try await PostgresDriverErrorTests.failure { try await connection.database.raw("SELECT 1").run() }
        await connection.shutdown()
        #expect(failure == DriverFailure(kind: .other, summary: "PSQLError connectionError: could not connect"))
    }
}
