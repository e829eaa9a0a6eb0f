import FastAuth
import Foundation
import Testing

/// The behaviour every ``SigningKeyStore`` must have, written once and run against
/// `InMemorySigningKeyStore` (the reference), SQLite and PostgreSQL. Each case gets a fresh store.
enum SigningKeyStoreContract {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let run: @Sendable (any SigningKeyStore) async throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = reading + inserting + promoting + retiring + concurrency

    /// Inserts `keys`, expecting each insert to succeed.
    static func seed(_ store: any SigningKeyStore, _ keys: StoredSigningKey...) async throws {
        for key in keys { #expect(try await store.insertSigningKey(key), "seeding \(key.state) key") }
    }

    static func states(_ keys: [StoredSigningKey]) -> [KeyState: Int] {
        keys.reduce(into: [:]) { $0[$1.state, default: 0] += 1 }
    }

    // MARK: Reading

    static let reading: [Case] = [
        Case(name: "an empty store has no signing keys") { store async throws in
            #expect(try await store.signingKeys().isEmpty)
        },
        Case(name: "inserted keys read back with every field, oldest first") { store async throws in
            let retired = Samples.signingKey(
                .retired, createdAt: Samples.at(-7200), activatedAt: Samples.at(-3600), retiredAt: Samples.at(-10))
            let current = Samples.signingKey(.current, createdAt: Samples.at(-3600), activatedAt: Samples.at(-10))
            let next = Samples.signingKey(.next, createdAt: Samples.at(5))
            try await seed(store, next, retired, current)
            #expect(try await store.signingKeys() == [retired, current, next])
        },
        Case(name: "an empty sealed key and a long public JWK round-trip unchanged") { store async throws in
            var key = Samples.signingKey(.retired, sealedPrivateKey: [])
            key.publicJWK = #"{"kty":"RSA","n":""# + String(repeating: "A", count: 4096) + #"","e":"AQAB"}"#
            let bytes = Samples.signingKey(.next, sealedPrivateKey: Array(0...255) + Array(0...255))
            try await seed(store, key, bytes)
            let stored = try await store.signingKeys()
            #expect(stored.first { $0.id == key.id } == key)
            #expect(stored.first { $0.id == bytes.id } == bytes)
        },
    ]

    // MARK: Inserting

    static let inserting: [Case] = [
        Case(name: "insert refuses an existing id, a second next and a second current key, and changes nothing") {
            store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            try await seed(store, current, next)
            #expect(try await !store.insertSigningKey(Samples.signingKey(.current, createdAt: Samples.at(2))))
            #expect(try await !store.insertSigningKey(Samples.signingKey(.next, createdAt: Samples.at(2))))
            var sameID = Samples.signingKey(.retired, createdAt: Samples.at(3))
            sameID.id = current.id
            #expect(try await !store.insertSigningKey(sameID))
            #expect(try await store.signingKeys() == [current, next])
        },
        Case(name: "any number of retired keys can be stored") { store async throws in
            let retired = (0..<5).map { Samples.signingKey(.retired, createdAt: Samples.at($0)) }
            for key in retired { #expect(try await store.insertSigningKey(key)) }
            #expect(try await store.signingKeys() == retired)
        },
        Case(name: "once the current key is retired, another current key can be inserted") { store async throws in
            let first = Samples.signingKey(.current)
            try await seed(store, first)
            #expect(try await store.retireSigningKey(first.id, from: .current, now: Samples.at(10)))
            #expect(try await store.insertSigningKey(Samples.signingKey(.current, createdAt: Samples.at(10))))
            #expect(states(try await store.signingKeys()) == [.current: 1, .retired: 1])
        },
    ]

    // MARK: Promoting

    static let promoting: [Case] = [
        Case(name: "promote makes next current and current retired, at now, and only once") { store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            try await seed(store, current, next)
            #expect(try await store.promoteSigningKey(next: next.id, current: current.id, now: Samples.at(3600)))
            var expectedCurrent = next
            expectedCurrent.state = .current
            expectedCurrent.activatedAt = Samples.at(3600)
            var expectedRetired = current
            expectedRetired.state = .retired
            expectedRetired.retiredAt = Samples.at(3600)
            #expect(try await store.signingKeys() == [expectedRetired, expectedCurrent])
            #expect(try await !store.promoteSigningKey(next: next.id, current: current.id, now: Samples.at(3601)))
            #expect(try await store.signingKeys() == [expectedRetired, expectedCurrent])
        },
        Case(name: "promote without a current key works only while no key is current") { store async throws in
            let next = Samples.signingKey(.next)
            let retired = Samples.signingKey(.retired)
            try await seed(store, next, retired)
            #expect(try await store.promoteSigningKey(next: next.id, current: nil, now: Samples.at(60)))
            let promoted = try #require(try await store.signingKeys().first { $0.id == next.id })
            #expect(promoted.state == .current && promoted.activatedAt == Samples.at(60))
            #expect(promoted.retiredAt == nil)
            let another = Samples.signingKey(.next, createdAt: Samples.at(61))
            try await seed(store, another)
            #expect(try await !store.promoteSigningKey(next: another.id, current: nil, now: Samples.at(62)))
            #expect(states(try await store.signingKeys()) == [.current: 1, .next: 1, .retired: 1])
        },
        Case(name: "promote changes nothing unless both keys are in their states (the retirement is undone)") {
            store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            let retired = Samples.signingKey(.retired, createdAt: Samples.at(-10))
            try await seed(store, current, next, retired)
            let before = try await store.signingKeys()
            let unknown = KeyID("kid-unknown-\(UUID().uuidString)")
            let refused: [(KeyID, KeyID?)] = [
                (retired.id, current.id),  // the current key would be retired first; it must come back
                (unknown, current.id),  // likewise
                (current.id, current.id),
                (next.id, retired.id),
                (next.id, next.id),
                (current.id, next.id),
                (next.id, unknown),
                (next.id, nil),  // a key is current
            ]
            for (promoted, replaced) in refused {
                #expect(
                    try await !store.promoteSigningKey(next: promoted, current: replaced, now: Samples.at(100)),
                    "promote(next: \(promoted), current: \(replaced?.rawValue ?? "nil"))")
                #expect(try await store.signingKeys() == before)
            }
        },
    ]

    // MARK: Retiring and deleting

    static let retiring: [Case] = [
        Case(name: "retire moves a key from the given state only, stamping retiredAt") { store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            try await seed(store, current, next)
            #expect(try await !store.retireSigningKey(current.id, from: .next, now: Samples.at(5)))
            #expect(try await !store.retireSigningKey(next.id, from: .current, now: Samples.at(5)))
            #expect(try await !store.retireSigningKey(KeyID("kid-unknown"), from: .current, now: Samples.at(5)))
            #expect(try await store.signingKeys() == [current, next])
            #expect(try await store.retireSigningKey(current.id, from: .current, now: Samples.at(5)))
            #expect(try await store.retireSigningKey(next.id, from: .next, now: Samples.at(6)))
            let keys = try await store.signingKeys()
            #expect(keys.map(\.state) == [.retired, .retired])
            #expect(keys.map(\.retiredAt) == [Samples.at(5), Samples.at(6)])
            #expect(keys.map(\.activatedAt) == [current.activatedAt, nil])
            // As in the reference store, retiring from `retired` matches and moves retiredAt.
            #expect(try await store.retireSigningKey(current.id, from: .retired, now: Samples.at(7)))
            #expect(try await store.signingKeys().first?.retiredAt == Samples.at(7))
        },
        Case(name: "deleteRetiredSigningKey deletes retired keys only, once") { store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            let retired = Samples.signingKey(.retired, createdAt: Samples.at(-1))
            try await seed(store, current, next, retired)
            #expect(try await !store.deleteRetiredSigningKey(current.id))
            #expect(try await !store.deleteRetiredSigningKey(next.id))
            #expect(try await !store.deleteRetiredSigningKey(KeyID("kid-unknown")))
            #expect(try await store.deleteRetiredSigningKey(retired.id))
            #expect(try await !store.deleteRetiredSigningKey(retired.id))
            #expect(try await store.signingKeys() == [current, next])
        },
        Case(name: "resealSigningKey replaces the sealed private key only; an unknown id is a no-op") {
            store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            try await seed(store, current, next)
            let resealed: [UInt8] = (0..<72).map { UInt8($0) }
            try await store.resealSigningKey(current.id, sealedPrivateKey: resealed)
            try await store.resealSigningKey(KeyID("kid-unknown"), sealedPrivateKey: resealed)
            var expected = current
            expected.sealedPrivateKey = resealed
            #expect(try await store.signingKeys() == [expected, next])
        },
    ]

    // MARK: Concurrency

    static let concurrency: [Case] = [
        Case(name: "of 10 concurrent inserts of a next key exactly one succeeds") { store async throws in
            try await seed(store, Samples.signingKey(.current))
            let candidates = (0..<10).map { Samples.signingKey(.next, createdAt: Samples.at($0 + 1)) }
            let winners = try await inserted(candidates, into: store)
            #expect(winners.count == 1)
            let keys = try await store.signingKeys()
            #expect(keys.filter { $0.state == .next }.map(\.id) == winners)
            #expect(keys.count == 2)
        },
        Case(name: "of 10 concurrent inserts of a current key into an empty store exactly one succeeds") {
            store async throws in
            let candidates = (0..<10).map { _ in Samples.signingKey(.current) }
            let winners = try await inserted(candidates, into: store)
            #expect(winners.count == 1)
            #expect(try await store.signingKeys().map(\.id) == winners)
        },
        Case(name: "of 10 concurrent promotions of one pair exactly one succeeds") { store async throws in
            let current = Samples.signingKey(.current)
            let next = Samples.signingKey(.next, createdAt: Samples.at(1))
            try await seed(store, current, next)
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await store.promoteSigningKey(next: next.id, current: current.id, now: Samples.at(3600))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            let keys = try await store.signingKeys()
            #expect(keys.map(\.id) == [current.id, next.id])
            #expect(keys.map(\.state) == [.retired, .current])
        },
        Case(name: "of 10 concurrent promotions of a lone next key exactly one succeeds") { store async throws in
            let next = Samples.signingKey(.next)
            try await seed(store, next)
            let results = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        try await store.promoteSigningKey(next: next.id, current: nil, now: Samples.at(60))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            #expect(try await store.signingKeys().map(\.state) == [.current])
        },
        Case(name: "a promotion racing the next key's retirement leaves exactly one current key") {
            store async throws in
            for round in 0..<10 {
                let current = Samples.signingKey(.current, createdAt: Samples.at(round * 10))
                let next = Samples.signingKey(.next, createdAt: Samples.at(round * 10 + 1))
                try await seed(store, current, next)
                let now = Samples.at(round * 10 + 5)
                async let promoted = store.promoteSigningKey(next: next.id, current: current.id, now: now)
                async let retired = store.retireSigningKey(next.id, from: .next, now: now)
                let (didPromote, didRetire) = try await (promoted, retired)
                #expect(didPromote != didRetire, "round \(round): promoted \(didPromote), retired \(didRetire)")
                let keys = try await store.signingKeys().filter { $0.id == current.id || $0.id == next.id }
                let expected: [KeyState] = didPromote ? [.retired, .current] : [.current, .retired]
                #expect(keys.map(\.state) == expected, "round \(round)")
                // Clear the round's keys so the next round starts with none next or current.
                for key in keys where key.state != .retired {
                    #expect(try await store.retireSigningKey(key.id, from: key.state, now: now))
                }
            }
        },
    ]

    /// Inserts `keys` concurrently; returns the ids whose insert succeeded.
    static func inserted(_ keys: [StoredSigningKey], into store: any SigningKeyStore) async throws -> [KeyID] {
        try await withThrowingTaskGroup(of: (KeyID, Bool).self) { group in
            for key in keys { group.addTask { (key.id, try await store.insertSigningKey(key)) } }
            return try await group.reduce(into: []) { if $1.1 { $0.append($1.0) } }
        }
    }
}
