import FastAuth
import FastAuthTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Rotation policy (pure state machine)")
struct RotationPolicyTests {
    let policy = RotationPolicy(
        interval: .seconds(3600), jwksMaxAge: .seconds(300), accessTokenTTL: .seconds(900), leeway: .seconds(30))
    let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    func key(
        _ id: String, _ state: KeyState, created: TimeInterval, activated: TimeInterval? = nil,
        retired: TimeInterval? = nil
    ) -> StoredSigningKey {
        StoredSigningKey(
            id: KeyID(id), algorithm: .es256, state: state, createdAt: t0.addingTimeInterval(created),
            activatedAt: activated.map { t0.addingTimeInterval($0) },
            retiredAt: retired.map { t0.addingTimeInterval($0) },
            publicJWK: "{}", sealedPrivateKey: [])
    }

    @Test("an empty store gets a current key at once")
    func bootstrap() {
        #expect(policy.tick(keys: [], now: t0) == .createCurrent)
    }

    @Test("with a current key and no next key, a next key is created (published ahead)")
    func createsNext() {
        #expect(
            policy.tick(keys: [key("a", .current, created: 0, activated: 0)], now: t0.addingTimeInterval(1))
                == .createNext)
    }

    @Test("the next key is promoted when the interval is up and it has been published for one max-age")
    func promotion() {
        let keys = [key("a", .current, created: 0, activated: 0), key("b", .next, created: 10)]
        #expect(policy.tick(keys: keys, now: t0.addingTimeInterval(100)) == .wait(until: t0.addingTimeInterval(3600)))
        #expect(policy.tick(keys: keys, now: t0.addingTimeInterval(3600)) == .promote(next: "b", current: "a"))
    }

    @Test("a next key created late waits one max-age even past the interval (clock jump forward)")
    func lateNextWaitsMaxAge() {
        let keys = [key("a", .current, created: 0, activated: 0), key("b", .next, created: 5000)]
        #expect(policy.tick(keys: keys, now: t0.addingTimeInterval(5100)) == .wait(until: t0.addingTimeInterval(5300)))
        #expect(policy.tick(keys: keys, now: t0.addingTimeInterval(5300)) == .promote(next: "b", current: "a"))
    }

    @Test("a retired key is removed after access TTL + leeway + max-age, not before")
    func removal() {
        let keys = [
            key("a", .retired, created: 0, activated: 0, retired: 3600),
            key("b", .current, created: 10, activated: 3600), key("c", .next, created: 3601),
        ]
        let removeAt = t0.addingTimeInterval(3600 + 900 + 30 + 300)
        #expect(policy.tick(keys: keys, now: removeAt.addingTimeInterval(-1)) == .wait(until: removeAt))
        #expect(policy.tick(keys: keys, now: removeAt) == .remove("a"))
    }

    @Test("restart with only a next key (current lost) promotes it rather than minting another")
    func onlyNext() {
        #expect(policy.tick(keys: [key("b", .next, created: 0)], now: t0) == .promote(next: "b", current: nil))
    }

    @Test("two current keys (outside interference) retire the older")
    func twoCurrent() {
        let keys = [key("a", .current, created: 0, activated: 0), key("b", .current, created: 5, activated: 5)]
        #expect(policy.tick(keys: keys, now: t0.addingTimeInterval(10)) == .retire("a"))
    }

    @Test("a clock jumping backwards never promotes early or removes early")
    func clockBackwards() {
        let keys = [
            key("a", .current, created: 0, activated: 1000), key("b", .next, created: 1000),
            key("z", .retired, created: 0, retired: 1000),
        ]
        let action = policy.tick(keys: keys, now: t0.addingTimeInterval(500))
        guard case .wait = action else {
            Issue.record("expected wait, got \(action)")
            return
        }
    }

    @Test("without an interval, keys never rotate")
    func noRotation() {
        let still = RotationPolicy(
            interval: nil, jwksMaxAge: .seconds(300), accessTokenTTL: .seconds(900), leeway: .seconds(30))
        let action = still.tick(
            keys: [key("a", .current, created: 0, activated: 0)], now: t0.addingTimeInterval(10_000_000))
        guard case .wait = action else {
            Issue.record("expected wait, got \(action)")
            return
        }
        #expect(still.tick(keys: [], now: t0) == .createCurrent)
    }

    @Test(
        "ticking repeatedly over many periods keeps exactly one current and at most one next",
        arguments: [1, 7, 61, 299, 301, 3599])
    func simulation(step: Int) {
        var keys: [StoredSigningKey] = []
        var now = t0
        var counter = 0
        for _ in 0..<2000 {
            now = now.addingTimeInterval(TimeInterval(step))
            for _ in 0..<6 {
                switch policy.tick(keys: keys, now: now) {
                case .wait: break
                case .createCurrent:
                    counter += 1
                    keys.append(
                        key(
                            "k\(counter)", .current, created: now.timeIntervalSince(t0),
                            activated: now.timeIntervalSince(t0)))
                    continue
                case .createNext:
                    counter += 1
                    keys.append(key("k\(counter)", .next, created: now.timeIntervalSince(t0)))
                    continue
                case .promote(let next, let current):
                    for i in keys.indices {
                        if keys[i].id == next { keys[i].state = .current; keys[i].activatedAt = now }
                        if keys[i].id == current { keys[i].state = .retired; keys[i].retiredAt = now }
                    }
                    continue
                case .retire(let id):
                    for i in keys.indices where keys[i].id == id { keys[i].state = .retired; keys[i].retiredAt = now }
                    continue
                case .remove(let id):
                    keys.removeAll { $0.id == id }
                    continue
                }
                break
            }
            #expect(keys.filter { $0.state == .current }.count == 1)
            #expect(keys.filter { $0.state == .next }.count <= 1)
            // A key signs only after it was published for one max-age (except the very first).
            for current in keys where current.state == .current && current.id != "k1" {
                #expect(current.activatedAt!.timeIntervalSince(current.createdAt) >= 300)
            }
        }
    }
}

@Suite("Key manager (managed keys)")
struct KeyManagerTests {
    func managed(
        _ store: InMemorySigningKeyStore, clock: ManualClock, secret: String = TestFixtures.secret,
        previous: [String] = [], interval: Duration? = .seconds(3600)
    ) async throws -> (KeyManager, TokenService) {
        let config = try FastAuthConfig(
            secret: secret, previousSecrets: previous,
            jwt: JWTConfig(algorithm: .es256, jwksEnabled: true, keyRotationInterval: interval))
        let tokens = try await TokenService(config: config, clock: clock)
        return (KeyManager(config: config, keyRing: tokens.keyRing, store: store, clock: clock), tokens)
    }

    @Test("AuthService manages keys in the store's declared SigningKeyStore, and in none when it declares none")
    func storeCapability() async throws {
        let config = try FastAuthConfig(
            secret: TestFixtures.secret, jwt: JWTConfig(algorithm: .es256, jwksEnabled: true))
        let hasher = try PasswordHasher(parameters: .insecureTesting)
        let keyStore = InMemorySigningKeyStore()
        let paired = AuthService(
            config: config, store: InMemoryStore(signingKeys: keyStore),
            tokens: try await TokenService(config: config), hasher: hasher)
        try await paired.keys.tick()
        #expect(paired.keys.published?.keyIDs.count == 1)
        #expect(await keyStore.signingKeys().count == 1)
        let alone = AuthService(
            config: config, store: InMemoryStore(), tokens: try await TokenService(config: config), hasher: hasher)
        try await alone.keys.tick()
        #expect(alone.keys.published == nil)
    }

    @Test(
        "the rotation loop sleeps on the injected clock: advancing the manual clock past the interval rotates, with no real waiting"
    )
    func loopOnManualClock() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (manager, _) = try await managed(store, clock: clock)
        let loop = KeyRotationService(keys: manager, reloadInterval: .seconds(10))
        let running = Task { await loop.run(clock: clock.sleepClock) }
        await clock.waitForSleepers()  // the first step is done: keys created, the loop asleep
        let first = try #require(manager.published?.keyIDs)
        let current = try #require(await store.signingKeys().first { $0.state == .current }?.id)
        #expect(first.count == 2)
        // Within the interval nothing changes, however often the loop wakes.
        for _ in 0..<5 {
            clock.advance(by: .seconds(10))
            await clock.waitForSleepers()
        }
        #expect(await store.signingKeys().first { $0.state == .current }?.id == current)
        // Past the interval (3600 s), the next key is promoted and a new next key published.
        clock.advance(by: .seconds(3600))
        await clock.waitForSleepers()
        let rotated = try #require(await store.signingKeys().first { $0.state == .current }?.id)
        #expect(rotated != current)
        #expect(manager.published?.keyIDs.contains(rotated) == true)
        running.cancel()
        await running.value
        #expect(clock.sleeperCount == 0, "cancelling the task ends the sleep")
    }

    @Test("the first tick creates and loads a signing key; JWKS publishes current and next")
    func bootstrap() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (manager, tokens) = try await managed(store, clock: clock)
        #expect(manager.published == nil)
        try await manager.tick()
        let token = try await tokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s1"))
        #expect(throws: Never.self) { try tokens.verifyAccessToken(token.token) }
        let published = try #require(manager.published)
        #expect(published.keyIDs.count == 2)
        let jwks = try JSONValue(parsing: published.json)
        for key in jwks["keys"]?.arrayValue ?? [] {
            #expect(key["use"] == "sig" && key["alg"] == "ES256" && key["kid"] != nil && key["d"] == nil)
        }
    }

    @Test("tokens survive a restart: a new manager on the same store verifies them, kids unchanged")
    func restart() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (first, firstTokens) = try await managed(store, clock: clock)
        try await first.tick()
        let token = try await firstTokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s1")).token
        let (second, secondTokens) = try await managed(store, clock: clock)
        try await second.reload()
        #expect(second.published?.keyIDs == first.published?.keyIDs)
        #expect(throws: Never.self) { try secondTokens.verifyAccessToken(token) }
    }

    @Test("rotation over several periods with two instances: one transition each time, no token ever fails")
    func twoInstances() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (a, aTokens) = try await managed(store, clock: clock)
        let (b, bTokens) = try await managed(store, clock: clock)
        try await a.tick()
        try await b.tick()
        var issued: [String] = []
        var currents: Set<KeyID> = []
        for _ in 0..<40 {
            clock.advance(by: .seconds(600))
            async let ta = a.tick()
            async let tb = b.tick()
            _ = try await (ta, tb)
            let keys = await store.signingKeys()
            #expect(keys.filter { $0.state == .current }.count == 1)
            #expect(keys.filter { $0.state == .next }.count <= 1)
            currents.formUnion(keys.filter { $0.state == .current }.map(\.id))
            issued.append(try await aTokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s")).token)
            issued.append(try await bTokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s")).token)
            for token in issued.suffix(4) {
                #expect(throws: Never.self) { try aTokens.verifyAccessToken(token) }
                #expect(throws: Never.self) { try bTokens.verifyAccessToken(token) }
            }
            #expect(a.published?.etag == b.published?.etag)
        }
        #expect(currents.count >= 6)
    }

    @Test("an unknown kid triggers at most one reload per interval")
    func unknownKidReload() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (manager, _) = try await managed(store, clock: clock)
        try await manager.tick()
        #expect(await manager.reloadForUnknownKeyID())
        #expect(await !manager.reloadForUnknownKeyID())
        clock.advance(by: .seconds(6))
        #expect(await manager.reloadForUnknownKeyID())
    }

    @Test("private keys are sealed at rest; a previous secret still opens them and rewrap moves them to the new one")
    func sealingAndRewrap() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let old = String(repeating: "o", count: 48)
        let (first, _) = try await managed(store, clock: clock, secret: old)
        try await first.tick()
        let stored = try #require(await store.signingKeys().first { $0.state == .current })
        #expect(!String(decoding: stored.sealedPrivateKey, as: UTF8.self).contains("PRIVATE KEY"))
        // A new secret alone cannot open the keys: the manager signs with nothing.
        let (stranger, strangerTokens) = try await managed(store, clock: clock)
        try await stranger.reload()
        await #expect(throws: TokenError.self) {
            try await strangerTokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s"))
        }
        // With the old secret listed as previous, it can; rewrap reseals under the new secret.
        let (rotated, rotatedTokens) = try await managed(store, clock: clock, previous: [old])
        try await rotated.reload()
        _ = try await rotatedTokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s"))
        #expect(try await rotated.rewrap().resealed.count == 2)
        #expect(try await rotated.rewrap().resealed.isEmpty)
        let (fresh, freshTokens) = try await managed(store, clock: clock)
        try await fresh.reload()
        _ = try await freshTokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s"))
    }

    @Test("an instance that cannot open the current private key still publishes its public half, and says so")
    func unopenableKeyStaysPublished() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (first, _) = try await managed(store, clock: clock, secret: String(repeating: "o", count: 48))
        try await first.tick()
        let kids = try #require(first.published?.keyIDs)
        #expect(first.unopenableKeyIDs.isEmpty)
        let (stranger, _) = try await managed(store, clock: clock)
        try await stranger.reload()
        #expect(stranger.published?.keyIDs == kids, "verifiers would see the key set flip")
        #expect(stranger.published?.etag == first.published?.etag)
        let current = try #require(await store.signingKeys().first { $0.state == .current })
        #expect(stranger.unopenableKeyIDs == [current.id])
    }

    @Test("rewrap goes on past a key it cannot open and reports what it resealed and what it could not")
    func rewrapReportsFailures() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let lost = String(repeating: "l", count: 48)
        let old = String(repeating: "o", count: 48)
        let (lostManager, _) = try await managed(store, clock: clock, secret: lost)
        try await lostManager.tick()  // a current and a next key sealed under a secret nobody has any more
        let lostKids = Set(await store.signingKeys().map(\.id))
        let (oldManager, _) = try await managed(store, clock: clock, secret: old)
        _ = try await oldManager.rotateNow()  // promotes the lost next key
        _ = try await oldManager.rotateNow()  // creates (sealed under the old secret) and promotes one more
        let (rotated, _) = try await managed(store, clock: clock, previous: [old])
        let report = try await rotated.rewrap()
        #expect(Set(report.failed.keys) == lostKids)
        #expect(report.resealed.count == (await store.signingKeys().count) - lostKids.count)
        #expect(!report.resealed.isEmpty)
    }

    @Test("emergency rotation and retiring a key")
    func rotateAndRetire() async throws {
        let store = InMemorySigningKeyStore()
        let clock = ManualClock()
        let (manager, tokens) = try await managed(store, clock: clock)
        try await manager.tick()
        let before = try #require(tokens.keyRing.snapshot.access.signingKey?.id)
        let after = try await manager.rotateNow()
        #expect(after != before)
        #expect(tokens.keyRing.snapshot.access.signingKey?.id == after)
        try await manager.retire(after)
        let keys = await store.signingKeys()
        #expect(keys.first { $0.id == after }?.state == .retired)
        #expect(keys.filter { $0.state == .current }.count == 1)
    }
}
