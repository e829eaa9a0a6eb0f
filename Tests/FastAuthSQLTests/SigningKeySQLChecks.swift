import FastAuth
import Foundation
import SQLKit
import Testing

@testable import FastAuthDatabase
@testable import FastAuthSQL
@testable import fastauth

/// Signing-key checks only an SQL store can have: the v1 → v2 upgrade, the constraints the
/// database enforces by itself, the storage format, driver errors, and several pools at once.
enum SigningKeySQLChecks {
    typealias Case = SQLStoreChecks.Case

    static let cases: [Case] = [
        Case(name: "createTables on a schema-v1 database upgrades it to v2 once, keeping its data") {
            database async throws in
            try await database.withStore(createTables: false) { store, connection in
                let v1 = try await store.createTables(upTo: 1)
                #expect(v1.applied.map(\.version) == [1] && v1.schemaVersion == 1)
                let user = try await Samples.insertLegacyUser(into: connection.database)
                let key = Samples.key("v1")
                _ = try await store.hit(key, windowStart: Samples.t0, expiresAt: Samples.at(60))
                await #expect(throws: StoreError.self) { try await store.signingKeys() }

                // Two pools upgrade at once: exactly one applies version 2.
                let other = try database.connect()
                let outcome = await Result {
                    try await withThrowingTaskGroup(of: SQLMigrationReport.self) { group in
                        group.addTask { try await store.createTables(upTo: 2) }
                        group.addTask { try await SQLAuthStore(other).createTables(upTo: 2) }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                await other.shutdown()
                let reports = try outcome.get()
                #expect(reports.flatMap(\.applied).map(\.version) == [2])
                #expect(reports.allSatisfy { $0.schemaVersion == 2 })

                let emails = try await connection.database.raw(
                    "SELECT email FROM fastauth_users WHERE id = \(bind: user.id.rawValue)"
                ).all().map { try $0.decode(column: "email", as: String.self) }
                #expect(emails == [user.email])
                #expect(try await store.count(key, windowStart: Samples.t0) == 1)
                #expect(try await store.signingKeys().isEmpty)
                #expect(try await store.insertSigningKey(Samples.signingKey(.current)))

                let again = try await store.createTables(upTo: 2)
                #expect(again.applied.isEmpty && again.schemaVersion == 2)
                let versions = try await connection.database.raw(
                    "SELECT version FROM fastauth_migrations ORDER BY version"
                ).all().map { try $0.decode(column: "version", as: Int64.self) }
                #expect(versions == [1, 2])
            }
        },
        Case(name: "the database itself refuses a second next or current key and an unknown state") {
            database async throws in
            try await database.withStore { (store: SQLAuthStore, connection: DatabaseConnection) async throws in
                let current = Samples.signingKey(.current)
                let next = Samples.signingKey(.next, createdAt: Samples.at(1))
                let retired = Samples.signingKey(.retired, createdAt: Samples.at(2))
                for key in [current, next, retired] { #expect(try await store.insertSigningKey(key)) }
                let sql = connection.database
                for state in ["current", "next", "pending"] {
                    await #expect(throws: (any Error).self, "a plain INSERT of a '\(state)' key") {
                        try await sql.raw(
                            """
                            INSERT INTO fastauth_signing_keys (\(unsafeRaw: SigningKeyColumns.all))
                            VALUES ('kid-raw-\(unsafeRaw: state)', 'ES256', \(bind: state), 0, NULL, NULL, '{}', \
                            \(bind: Data([1, 2, 3])))
                            """
                        ).run()
                    }
                }
                for state in ["current", "next"] {
                    await #expect(throws: (any Error).self, "an UPDATE making a second '\(state)' key") {
                        try await sql.raw(
                            """
                            UPDATE fastauth_signing_keys SET state = \(bind: state)
                            WHERE id = \(bind: retired.id.rawValue)
                            """
                        ).run()
                    }
                }
                #expect(try await store.signingKeys() == [current, next, retired])
            }
        },
        Case(name: "signing-key times are BIGINT milliseconds and the sealed key is binary") {
            database async throws in
            try await database.withStore { store, connection in
                let key = Samples.signingKey(.current, createdAt: Samples.t0.addingTimeInterval(0.25))
                #expect(try await store.insertSigningKey(key))
                let typeOf =
                    database.engine == "sqlite" ? "typeof(sealed_private_key)" : "pg_typeof(sealed_private_key)::text"
                let row = try #require(
                    try await connection.database.raw(
                        """
                        SELECT created_at, activated_at, retired_at, \(unsafeRaw: typeOf) AS sealed_type
                        FROM fastauth_signing_keys WHERE id = \(bind: key.id.rawValue)
                        """
                    ).first())
                #expect(try row.decode(column: "created_at", as: Int64.self) == 1_767_225_600_250)
                #expect(try row.decode(column: "activated_at", as: Int64.self) == 1_767_225_600_250)
                #expect(try row.decodeNil(column: "retired_at"))
                #expect(
                    try row.decode(column: "sealed_type", as: String.self)
                        == (database.engine == "sqlite" ? "blob" : "bytea"))
                #expect(try await store.signingKeys() == [key])
            }
        },
        Case(name: "signing-key driver errors are unavailable and hold no key material or id") {
            database async throws in
            try await database.withStore(createTables: false) { store, _ in
                var key = Samples.signingKey(.current, sealedPrivateKey: Array("SECRET-SEALED-KEY".utf8))
                key.publicJWK = #"{"kty":"EC","x":"SECRET-JWK"}"#
                let id = key.id
                let errors: [StoreError?] = [
                    await #expect(throws: StoreError.self) { try await store.signingKeys() },
                    await #expect(throws: StoreError.self) { try await store.insertSigningKey(key) },
                    await #expect(throws: StoreError.self) {
                        try await store.promoteSigningKey(next: id, current: id, now: Samples.t0)
                    },
                    await #expect(throws: StoreError.self) {
                        try await store.promoteSigningKey(next: id, current: nil, now: Samples.t0)
                    },
                    await #expect(throws: StoreError.self) {
                        try await store.retireSigningKey(id, from: .current, now: Samples.t0)
                    },
                    await #expect(throws: StoreError.self) { try await store.deleteRetiredSigningKey(id) },
                    await #expect(throws: StoreError.self) {
                        try await store.resealSigningKey(id, sealedPrivateKey: Array("SECRET-RESEALED".utf8))
                    },
                ]
                for error in errors {
                    let error = try #require(error)
                    #expect(error.code == .unavailable)
                    #expect(error.description.contains("a FastAuth table is missing"), "\(error)")
                    for secret in ["SECRET", id.rawValue] {
                        #expect(!error.description.contains(secret), "\(error)")
                    }
                }
            }
        },
        Case(name: "a promotion without a current key loses to a current key inserted by an open transaction") {
            database async throws in
            try await database.withStore { (store: SQLAuthStore, _: DatabaseConnection) async throws in
                let next = Samples.signingKey(.next)
                #expect(try await store.insertSigningKey(next))
                let current = Samples.signingKey(.current, createdAt: Samples.at(1))
                let other = try database.connect()
                let outcome = await Result {
                    try await other.database.withSession { session in
                        try await session.raw("BEGIN").run()
                        try await session.raw(
                            """
                            INSERT INTO fastauth_signing_keys (\(unsafeRaw: SigningKeyColumns.all))
                            VALUES (\(bind: current.id.rawValue), 'ES256', 'current', \
                            \(bind: current.createdAt.storedMilliseconds), \(bind: current.createdAt.storedMilliseconds), \
                            NULL, \(bind: current.publicJWK), \(bind: Data(current.sealedPrivateKey)))
                            """
                        ).run()
                        // The promotion starts while the insert is uncommitted: PostgreSQL's check
                        // does not see it and the unique index makes the promotion wait, then
                        // refuse it; SQLite's promotion waits for the write lock, then sees it.
                        let promotion = Task {
                            try await store.promoteSigningKey(next: next.id, current: nil, now: Samples.at(2))
                        }
                        try await Task.sleep(for: .milliseconds(300))
                        try await session.raw("COMMIT").run()
                        return try await promotion.value
                    }
                }
                await other.shutdown()
                #expect(try outcome.get() == false)
                #expect(try await store.signingKeys() == [next, current])
            }
        },
        Case(name: "of 10 promotions of one pair from two pools exactly one succeeds") { database async throws in
            try await database.withStore { store, _ in
                let current = Samples.signingKey(.current)
                let next = Samples.signingKey(.next, createdAt: Samples.at(1))
                for key in [current, next] { #expect(try await store.insertSigningKey(key)) }
                let other = try database.connect()
                let otherStore = SQLAuthStore(other)
                let outcome = await Result {
                    try await withThrowingTaskGroup(of: Bool.self) { group in
                        for index in 0..<10 {
                            let target = index.isMultiple(of: 2) ? store : otherStore
                            group.addTask {
                                try await target.promoteSigningKey(
                                    next: next.id, current: current.id, now: Samples.at(3600))
                            }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                }
                await other.shutdown()
                #expect(try outcome.get().filter { $0 }.count == 1)
                #expect(try await store.signingKeys().map(\.state) == [.retired, .current])
            }
        },
    ]
}
