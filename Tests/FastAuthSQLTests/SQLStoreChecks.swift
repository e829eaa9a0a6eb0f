import FastAuth
import Foundation
import SQLKit
import Testing

@testable import FastAuthDatabase
@testable import FastAuthSQL
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
                #expect(first.applied.map(\.version) == [1, 2, 3, 4, 5, 6, 7])
                #expect(first.schemaVersion == 7)
                #expect(first.description == "schema version 7, applied 1, 2, 3, 4, 5, 6, 7")
                for _ in 0..<2 {
                    let again = try await store.createTables()
                    #expect(again.applied.isEmpty)
                    #expect(again.description == "schema version \(again.schemaVersion), up to date")
                    #expect(again.schemaVersion == 7)
                }
                let rows = try await connection.database.raw("SELECT version FROM fastauth_migrations").all()
                #expect(rows.count == 7)
            }
        },
        Case(name: "createTables from four pools at once applies each migration exactly once") {
            database async throws in
            let connections = try (0..<4).map { _ in try database.connect() }
            let outcome = await Result {
                let reports = try await withThrowingTaskGroup(of: SQLMigrationReport.self) { group in
                    for connection in connections {
                        group.addTask { try await SQLAuthStore(connection).createTables() }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let rows = try await connections[0].database.raw("SELECT version FROM fastauth_migrations").all()
                return (reports, rows.count)
            }
            for connection in connections { await connection.shutdown() }
            let (reports, rows) = try outcome.get()
            #expect(reports.flatMap(\.applied).map(\.version).sorted() == [1, 2, 3, 4, 5, 6, 7])
            #expect(reports.allSatisfy { $0.schemaVersion == 7 })
            #expect(rows == 7)
        },
        Case(name: "20 concurrent identical grants from two pools leave one user_roles row and no error") {
            database async throws in
            try await database.withStore { store, connection in
                let other = try database.connect()
                let outcome = await Result {
                    let otherStore = SQLAuthStore(other)
                    let user = try await store.createUser(Samples.user())
                    #expect(try await store.createRole("admin", permissions: ["everything"], now: Samples.t0))
                    let inserted = try await withThrowingTaskGroup(of: Bool.self) { group in
                        for index in 0..<20 {
                            let target = index.isMultiple(of: 2) ? store : otherStore
                            group.addTask { try await target.grantRole("admin", to: user.id, now: Samples.t0) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(inserted.filter { $0 }.count == 1)
                    let rows = try await connection.database.raw(
                        "SELECT user_id FROM fastauth_user_roles WHERE user_id = \(bind: user.id.rawValue)"
                    ).all()
                    #expect(rows.count == 1)
                    // Deleting the user row itself (not through the store) removes the assignment.
                    try await connection.database.raw("DELETE FROM fastauth_users WHERE id = \(bind: user.id.rawValue)")
                        .run()
                    #expect(try await connection.database.raw("SELECT user_id FROM fastauth_user_roles").all().isEmpty)
                    try await connection.database.raw("DELETE FROM fastauth_roles WHERE name = 'admin'").run()
                    #expect(
                        try await connection.database.raw("SELECT role_name FROM fastauth_role_permissions").all()
                            .isEmpty)
                }
                await other.shutdown()
                try outcome.get()
            }
        },
        Case(name: "of 20 exchanges of one token from two pools exactly one wins") { database async throws in
            try await database.withStore { store, _ in
                let user = try await store.createUser(Samples.user())
                let session = Samples.session(userID: user.id)
                try await store.createSession(session)
                let first = try #require(session.currentTokenID)
                let other = try database.connect()
                let otherStore = SQLAuthStore(other)
                let result = await Result {
                    try await withThrowingTaskGroup(of: RefreshRotation.self) { group in
                        for index in 0..<20 {
                            let target = index.isMultiple(of: 2) ? store : otherStore
                            group.addTask {
                                try await target.rotateRefreshToken(
                                    sessionID: session.id, presented: first, next: .generate(),
                                    expiresAt: Samples.at(7200), now: Samples.at(1))
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                await other.shutdown()
                let outcomes = try result.get()
                let rotated = outcomes.compactMap { if case .rotated(let session) = $0 { session } else { nil } }
                #expect(rotated.count == 1)
                #expect(outcomes.filter { if case .superseded = $0 { true } else { false } }.count == 19)
                #expect(try await store.session(id: session.id) == rotated.first)
            }
        },
        Case(name: "createTables on a schema-v2 database carries each session's live and last exchanged token over") {
            database async throws in
            try await database.withStore(createTables: false) { store, connection in
                #expect(try await store.createTables(upTo: 2).schemaVersion == 2)
                let sql = connection.database
                let user = try await Samples.insertLegacyUser(into: sql)
                // A v2 session with a chain of three tokens (two exchanged), and one never refreshed.
                let chained = SessionID.generate()
                let fresh = SessionID.generate()
                for (id, expires) in [(chained, 9_000_000), (fresh, 8_000_000)] {
                    try await sql.raw(
                        """
                        INSERT INTO fastauth_sessions (id, user_id, created_at, last_used_at, expires_at, remember)
                        VALUES (\(bind: id.rawValue), \(bind: user.id.rawValue), 1000, 1000, \(bind: expires), \(bind: false))
                        """
                    ).run()
                }
                let tokens: [(String, SessionID, Int64, Int64?, String?)] = [
                    ("tok-a", chained, 1000, 2000, "tok-b"), ("tok-b", chained, 2000, 3000, "tok-c"),
                    ("tok-c", chained, 3000, nil, nil), ("tok-z", fresh, 1000, nil, nil),
                ]
                for (id, session, issued, consumed, replacedBy) in tokens {
                    try await sql.raw(
                        """
                        INSERT INTO fastauth_refresh_tokens (id, session_id, user_id, issued_at, expires_at, consumed_at, replaced_by)
                        VALUES (\(bind: id), \(bind: session.rawValue), \(bind: user.id.rawValue), \(bind: issued), 9000000, \
                        \(bind: consumed), \(bind: replacedBy))
                        """
                    ).run()
                }
                let upgrade = try await store.createTables(upTo: 4)
                #expect(upgrade.applied.map(\.version) == [3, 4] && upgrade.schemaVersion == 4)
                let upgraded = try #require(try await store.session(id: chained))
                #expect(upgraded.currentTokenID == TokenID("tok-c") && upgraded.previousTokenID == TokenID("tok-b"))
                #expect(upgraded.rotatedAt == Date(timeIntervalSince1970: 3))
                let untouched = try #require(try await store.session(id: fresh))
                #expect(untouched.currentTokenID == TokenID("tok-z") && untouched.previousTokenID == nil)
                #expect(untouched.rotatedAt == nil)
                await #expect(throws: (any Error).self) {
                    try await sql.raw("SELECT id FROM fastauth_refresh_tokens").all()
                }
                // The carried-over live token is the one that can be exchanged.
                #expect(
                    try await store.rotateRefreshToken(
                        sessionID: chained, presented: TokenID("tok-c"), next: .generate(), expiresAt: Samples.at(7200),
                        now: Date(timeIntervalSince1970: 4)
                    ).isRotated)
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
        Case(
            name:
                "createTables on a schema-v5 database keeps every user, session, role and attempt (users table rebuilt)"
        ) {
            database async throws in
            try await database.withStore(createTables: false) { store, connection in
                #expect(try await store.createTables(upTo: 5).schemaVersion == 5)
                let sql = connection.database
                let verified = try await Samples.insertLegacyUser(into: sql, hash: "$scrypt$kept", emailVerified: true)
                let plain = try await Samples.insertLegacyUser(into: sql, name: nil, createdAt: Samples.at(1))
                let session = Samples.session(userID: verified.id)
                try await store.createSession(session)
                _ = try await store.createRole("editor", permissions: ["posts:write"], now: Samples.t0)
                _ = try await store.grantRole("editor", to: verified.id, now: Samples.t0)
                _ = try await store.recordAttempt(
                    "lockout:x|y", id: "attempt-1", at: Samples.t0, expiresAt: Samples.at(600), since: Samples.at(-1),
                    limit: 5)

                let upgrade = try await store.createTables()
                #expect(upgrade.applied.map(\.version) == [6, 7] && upgrade.schemaVersion == 7)
                #expect(try await store.user(id: verified.id) == verified)
                #expect(try await store.credentials(email: verified.email)?.passwordHash == "$scrypt$kept")
                #expect(try await store.user(id: plain.id) == plain)
                #expect(try await store.users(limit: 10, offset: 0).map(\.id) == [verified.id, plain.id])
                #expect(try await store.session(id: session.id) == session)
                #expect(try await store.grants(of: verified.id).roles == ["editor"])
                #expect(
                    try await store.recordAttempt(
                        "lockout:x|y", id: "attempt-2", at: Samples.at(1), expiresAt: Samples.at(600),
                        since: Samples.at(-1),
                        limit: 5
                    ).count == 2)
                // A password is optional now, and the rebuilt table still enforces and cascades
                // the foreign keys that point at it, on every pooled connection.
                var passwordless = Samples.user()
                passwordless.passwordHash = nil
                _ = try await store.createUser(passwordless)
                for _ in 0..<4 {
                    await #expect(throws: StoreError.self) {
                        try await store.createSession(Samples.session(userID: .generate()))
                    }
                }
                #expect(try await store.deleteUser(verified.id))
                #expect(try await store.session(id: session.id) == nil)
                #expect(try await store.grants(of: verified.id) == .none)
                #expect(try await store.emailExists(plain.email))
            }
        },
        Case(name: "a session for a missing user is refused by the foreign key and nothing is written") {
            database async throws in
            try await database.withStore { (store: SQLAuthStore, _: DatabaseConnection) async throws in
                let session = Samples.session(userID: .generate())
                let error = await #expect(throws: StoreError.self) {
                    try await store.createSession(session)
                }
                #expect(error?.code == .unavailable)
                #expect(try await store.session(id: session.id) == nil)
            }
        },
        Case(name: "driver errors become unavailable with reasons that hold no hash, token or email") {
            database async throws in
            try await database.withStore(createTables: false) { store, _ in
                let user = Samples.user(hash: "$scrypt$SECRET-HASH-VALUE")
                let created = await #expect(throws: StoreError.self) { try await store.createUser(user) }
                let tokenID = TokenID("SECRET-TOKEN-ID-0000000000")
                let consumed = await #expect(throws: StoreError.self) {
                    try await store.rotateRefreshToken(
                        sessionID: .generate(), presented: tokenID, next: .generate(), expiresAt: Samples.at(60),
                        now: Samples.t0)
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
