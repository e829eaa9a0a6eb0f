@testable import FastAuthDatabase
import FastAuth
import FastAuthSQL
import Foundation
import SQLKit
import Testing

@testable import fastauth

/// Checks only an SQL store can have: migrations, rollback, storage format, driver errors,
/// and several pools (separate processes, as far as the database can tell) at once.
enum SQLStoreChecks {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (TestDatabase) async throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "createTables applies each migration once and is a no-op when called again") {
            database async throws in
            try await database.withStore(createTables: false) { store, connection in
                let first = try await store.createTables()
                #expect(first.applied.map(\.version) == [1, 2])
                #expect(first.schemaVersion == 2)
                for _ in 0..<2 {
                    let again = try await store.createTables()
                    #expect(again.applied.isEmpty)
                    #expect(again.schemaVersion == 2)
                }
                let rows = try await connection.database.raw("SELECT version FROM fastauth_migrations").all()
                #expect(rows.count == 2)
            }
        },
        Case(name: "createTables from four pools at once applies each migration exactly once") {
            database async throws in
            let connections = try (0..<4).map { _ in try database.connect() }
            let outcome = await Result {
                let reports = try await withThrowingTaskGroup(of: SQLMigrationReport.self) { group in
                    for connection in connections {
                        group.addTask { try await SQLAuthStore(database: connection.database).createTables() }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let rows = try await connections[0].database.raw("SELECT version FROM fastauth_migrations").all()
                return (reports, rows.count)
            }
            for connection in connections { await connection.shutdown() }
            let (reports, rows) = try outcome.get()
            #expect(reports.flatMap(\.applied).map(\.version).sorted() == [1, 2])
            #expect(reports.allSatisfy { $0.schemaVersion == 2 })
            #expect(rows == 2)
        },
        Case(name: "of 20 consumes of one token from two pools exactly one wins") { database async throws in
            try await database.withStore { store, _ in
                let user = try await store.createUser(Samples.user())
                let session = Samples.session(userID: user.id)
                let token = Samples.token(for: session)
                try await store.createSession(session, firstToken: token)
                let other = try database.connect()
                let otherStore = SQLAuthStore(database: other.database)
                let result = await Result {
                    try await withThrowingTaskGroup(of: RefreshConsumption.self) { group in
                        for index in 0..<20 {
                            let target = index.isMultiple(of: 2) ? store : otherStore
                            group.addTask {
                                try await target.consumeRefreshToken(
                                    token.id, replacement: Samples.token(for: session), now: Samples.at(1))
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                await other.shutdown()
                let outcomes = try result.get()
                let consumed = outcomes.filter { if case .consumed = $0 { true } else { false } }
                #expect(consumed.count == 1)
                #expect(outcomes.count - consumed.count == 19)
                let liveRows = try await store.database.raw(
                    "SELECT id FROM fastauth_refresh_tokens WHERE session_id = \(bind: session.id.rawValue)"
                ).all()
                #expect(liveRows.count == 2)
            }
        },
        Case(name: "a consume whose replacement cannot be stored rolls back entirely") { database async throws in
            try await database.withStore { store, _ in
                let user = try await store.createUser(Samples.user())
                let session = Samples.session(userID: user.id)
                let token = Samples.token(for: session)
                try await store.createSession(session, firstToken: token)
                let unrelated = Samples.session(userID: user.id)
                let taken = Samples.token(for: unrelated)
                try await store.createSession(unrelated, firstToken: taken)
                var clash = Samples.token(for: session, issuedAt: Samples.at(5))
                clash.id = taken.id
                let error = await #expect(throws: StoreError.self) {
                    try await store.consumeRefreshToken(token.id, replacement: clash, now: Samples.at(5))
                }
                #expect(error?.code == .duplicateID)
                #expect(try await store.refreshToken(id: token.id) == token)
                #expect(try await store.session(id: session.id) == session)
                #expect(try await store.refreshToken(id: taken.id) == taken)
                let next = Samples.token(for: session, issuedAt: Samples.at(6))
                #expect(
                    try await store.consumeRefreshToken(token.id, replacement: next, now: Samples.at(6)).isConsumed)
            }
        },
        Case(name: "times are stored as BIGINT Unix milliseconds") { database async throws in
            try await database.withStore { store, connection in
                var user = Samples.user(createdAt: Samples.t0.addingTimeInterval(0.25))
                user.account.updatedAt = Samples.at(1)
                _ = try await store.createUser(user)
                let row = try #require(
                    try await connection.database.raw(
                        "SELECT created_at, updated_at FROM fastauth_users WHERE id = \(bind: user.account.id.rawValue)"
                    ).first())
                #expect(try row.decode(column: "created_at", as: Int64.self) == 1_767_225_600_250)
                #expect(try row.decode(column: "updated_at", as: Int64.self) == 1_767_225_601_000)
                #expect(try await store.user(id: user.account.id) == user.account)
            }
        },
        Case(name: "a session for a missing user is refused by the foreign key and nothing is written") {
            database async throws in
            try await database.withStore { (store: SQLAuthStore, _: DatabaseConnection) async throws in
                let session = Samples.session(userID: .generate())
                let token = Samples.token(for: session)
                let error = await #expect(throws: StoreError.self) {
                    try await store.createSession(session, firstToken: token)
                }
                #expect(error?.code == .unavailable)
                #expect(try await store.session(id: session.id) == nil)
                #expect(try await store.refreshToken(id: token.id) == nil)
            }
        },
        Case(name: "driver errors become unavailable with reasons that hold no hash, token or email") {
            database async throws in
            try await database.withStore(createTables: false) { store, _ in
                let user = Samples.user(hash: "$scrypt$SECRET-HASH-VALUE")
                let created = await #expect(throws: StoreError.self) { try await store.createUser(user) }
                let tokenID = TokenID("SECRET-TOKEN-ID-0000000000")
                let session = Samples.session(userID: user.account.id)
                let consumed = await #expect(throws: StoreError.self) {
                    try await store.consumeRefreshToken(
                        tokenID, replacement: Samples.token(for: session), now: Samples.t0)
                }
                let updated = await #expect(throws: StoreError.self) {
                    try await store.updatePasswordHash(
                        "$scrypt$SECRET-HASH-VALUE", userID: user.account.id, now: Samples.t0)
                }
                for error in [created, consumed, updated] {
                    let error = try #require(error)
                    #expect(error.code == .unavailable)
                    #expect(error.description.contains("a FastAuth table is missing"), "\(error)")
                    for secret in ["SECRET", user.account.email, user.account.id.rawValue] {
                        #expect(!error.description.contains(secret), "\(error)")
                    }
                }
            }
        },
    ]
}
