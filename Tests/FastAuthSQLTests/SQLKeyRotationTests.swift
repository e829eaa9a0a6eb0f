import FastAuth
import FastAuthDatabase
import FastAuthSQL
import FastAuthTesting
import Foundation
import Testing

@testable import fastauth

/// Two `KeyManager`s — two instances, each with its own connection pool — rotating managed keys
/// in one database, ticking at the same moments.
@Suite("Key rotation on SQL: two instances")
struct SQLKeyRotationTests {
    @Test("two instances sharing an SQLite file rotate in step")
    func sqlite() async throws {
        try await TestDatabase.withSQLite { try await Self.twoInstances(on: $0) }
    }

    @Test(
        "two instances sharing a PostgreSQL schema rotate in step",
        .enabled(
            if: TestDatabase.postgresURL != nil,
            "FASTAUTH_TEST_POSTGRES_URL is not set; the PostgreSQL case is skipped (CI sets it)"))
    func postgres() async throws {
        try await TestDatabase.withPostgres { try await Self.twoInstances(on: $0) }
    }

    static func instance(_ store: SQLAuthStore, clock: ManualClock) async throws -> (KeyManager, TokenService) {
        let config = try FastAuthConfig(
            secret: TestFixtures.secret,
            jwt: JWTConfig(algorithm: .es256, jwksEnabled: true, keyRotationInterval: .seconds(3600)))
        let tokens = try await TokenService(config: config, clock: clock)
        return (KeyManager(config: config, keyRing: tokens.keyRing, store: store, clock: clock), tokens)
    }

    static func twoInstances(on database: TestDatabase) async throws {
        let (first, second) = (try database.connect(), try database.connect())
        let outcome = await Result {
            let (storeA, storeB) = (SQLAuthStore(first), SQLAuthStore(second))
            try await storeA.createTables()
            try await storeB.createTables()
            let clock = ManualClock()
            let (a, aTokens) = try await instance(storeA, clock: clock)
            let (b, bTokens) = try await instance(storeB, clock: clock)
            var issued: [String] = []
            var currents: Set<KeyID> = []
            for step in 0...40 {
                if step > 0 { clock.advance(by: .seconds(600)) }
                async let tickA = a.tick()
                async let tickB = b.tick()
                _ = try await (tickA, tickB)
                let keys = try await storeA.signingKeys()
                #expect(keys.filter { $0.state == .current }.count == 1, "step \(step): \(keys.map(\.state))")
                #expect(keys.filter { $0.state == .next }.count <= 1, "step \(step): \(keys.map(\.state))")
                currents.formUnion(keys.filter { $0.state == .current }.map(\.id))
                #expect(a.published != nil)
                #expect(a.published?.etag == b.published?.etag, "step \(step)")
                #expect(Set(a.published?.keyIDs ?? []) == Set(keys.map(\.id)), "step \(step)")
                // Both sign with the key the database says is current.
                let current = keys.first { $0.state == .current }?.id
                #expect(aTokens.keyRing.snapshot.access.signingKey?.id == current, "step \(step)")
                #expect(bTokens.keyRing.snapshot.access.signingKey?.id == current, "step \(step)")
                for tokens in [aTokens, bTokens] {
                    let token = try await tokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s"))
                    issued.append(token.token)
                }
                for token in issued.suffix(4) {
                    #expect(throws: Never.self, "step \(step)") { try aTokens.verifyAccessToken(token) }
                    #expect(throws: Never.self, "step \(step)") { try bTokens.verifyAccessToken(token) }
                }
            }
            // 24 000 s at a 3 600 s interval: the first key and six rotations.
            #expect(currents.count >= 6)
        }
        await first.shutdown()
        await second.shutdown()
        try outcome.get()
    }
}
