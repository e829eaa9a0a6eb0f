import FastAuth
import FastAuthTesting
import Foundation
import Testing

@testable import FastAuthVerifier

@Suite("RemoteTokenVerifier caches the issuer's keys")
struct CachingTests {
    @Test("concurrent first verifications share one fetch")
    func singleFlight() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)
        let token = try await issuer.accessToken()

        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<100 { group.addTask { _ = try await verifier.verify(token) } }
            try await group.waitForAll()
        }
        #expect(fetcher.jwksFetches == 1)
    }

    @Test(
        "an unknown kid causes exactly one fetch (even right after a scheduled one), is then refused from memory, and asks again after the cooldown"
    )
    func unknownKeyID() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let stranger = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 1)

        // An unknown kid asks the issuer once at once: an emergency rotation is picked up
        // without waiting, even right after the scheduled fetch.
        let unknown = try await stranger.accessToken()
        #expect(await verifierError { try await verifier.verify(unknown) }?.tokenError?.code == .unknownKeyID)
        #expect(fetcher.jwksFetches == 2)
        #expect(fetcher.jwksRequests.last?.ifNoneMatch == "\"v1\"")
        #expect(fetcher.statuses.last == 304)

        // Negatively cached: the same kid, and any other, cause no fetch within the cooldown.
        for step in [0, 10, 19] {  // 0, 10 and 29 seconds after that fetch
            clock.advance(by: .seconds(step))
            #expect(await verifierError { try await verifier.verify(unknown) }?.tokenError?.code == .unknownKeyID)
            #expect(
                await verifierError { try await verifier.verify(garbageKidToken("other-\(step)")) }?.code
                    == .invalidToken)
        }
        #expect(fetcher.jwksFetches == 2)
        _ = try await verifier.verify(try await issuer.accessToken())

        clock.advance(by: .seconds(1))
        #expect(await verifierError { try await verifier.verify(unknown) }?.tokenError?.code == .unknownKeyID)
        #expect(fetcher.jwksFetches == 3)
        #expect(await verifierError { try await verifier.verify(unknown) }?.tokenError?.code == .unknownKeyID)
        #expect(fetcher.jwksFetches == 3)
    }

    @Test("a burst of 1,000 concurrent garbage-kid tokens causes at most one fetch per cooldown")
    func garbageBurst() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)

        func burst(_ round: Int) async -> Int {
            await withTaskGroup(of: Bool.self) { group in
                for index in 0..<1000 {
                    group.addTask {
                        let error = await verifierError {
                            try await verifier.verify(garbageKidToken("g\(round)-\(index)"))
                        }
                        return error?.tokenError?.code == .unknownKeyID
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }

        // Cold cache: the burst shares the initial fetch, and its unknown kids one refetch.
        #expect(await burst(0) == 1000)
        #expect(fetcher.jwksFetches <= 2)
        let afterFirstRound = fetcher.jwksFetches
        // Within the cooldown: nothing.
        clock.advance(by: .seconds(10))
        #expect(await burst(1) == 1000)
        #expect(fetcher.jwksFetches == afterFirstRound)
        // Each later cooldown: at most one.
        for round in 2..<5 {
            clock.advance(by: .seconds(30))
            #expect(await burst(round) == 1000)
            #expect(fetcher.jwksFetches <= afterFirstRound + round - 1)
        }
        #expect(fetcher.jwksFetches == afterFirstRound + 3)
        // Memory stays bounded whatever kids arrive.
        let remembered = verifier.cacheForTests.unknownKeyIDCount
        #expect(remembered <= verifier.cacheForTests.policy.maxUnknownKeyIDs)
        _ = try await verifier.verify(try await issuer.accessToken())
    }

    @Test("a new kid in the JWKS is accepted after one fetch (rotation)")
    func rotation() async throws {
        let clock = ManualClock()
        let old = try await Issuer.make(.es256, clock: clock)
        let new = try await Issuer.make(.eddsa, clock: clock)
        let fetcher = FakeIssuer(keys: [old.key])
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await old.accessToken())

        fetcher.publish([new.key, old.key])
        clock.advance(by: .seconds(31))
        let rotated = try await verifier.verify(try await new.accessToken())
        #expect(rotated.keyID == new.key.id)
        #expect(fetcher.jwksFetches == 2)
        #expect(fetcher.statuses == [200, 200])
        _ = try await verifier.verify(try await old.accessToken())
        #expect(fetcher.jwksFetches == 2)

        // Retired: once the issuer stops publishing the old key, it stops verifying.
        fetcher.publish([new.key])
        clock.advance(by: .seconds(300))
        #expect(
            await verifierError { try await verifier.verify(try await old.accessToken()) }?.tokenError?.code
                == .unknownKeyID)
        _ = try await verifier.verify(try await new.accessToken())
    }

    @Test("Cache-Control max-age is honoured: no fetch before expiry, one after")
    func maxAge() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key], cacheControl: "public, max-age=120")
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await issuer.accessToken())

        clock.advance(by: .seconds(119))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 1)
        clock.advance(by: .seconds(1))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 2)
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 2)
    }

    @Test(
        "max-age is clamped to the configured bounds; absent, the default applies",
        arguments: [
            ("max-age=5", 60), ("public, max-age=999999", 3600), ("no-store", 60), (nil, 300), ("public", 300),
            ("MAX-AGE=\"90\"", 90), ("max-age=abc", 300),
        ] as [(String?, Int)])
    func clamping(cacheControl: String?, expected: Int) async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key], cacheControl: cacheControl)
        let verifier = makeVerifier(fetcher, clock: clock) { $0.cacheMaxAge = .seconds(3600) }
        _ = try await verifier.verify(try await issuer.accessToken())

        clock.advance(by: .seconds(expected - 1))
        _ = try await verifier.verify(try await issuer.accessToken(now: clock.now()))
        #expect(fetcher.jwksFetches == 1)
        clock.advance(by: .seconds(1))
        _ = try await verifier.verify(try await issuer.accessToken(now: clock.now()))
        #expect(fetcher.jwksFetches == 2)
    }

    @Test(
        "an issuer answering `Cache-Control: =` does not crash the verifier: its keys are used with the default freshness"
    )
    func bareEqualsCacheControl() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key], cacheControl: "=")
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await issuer.accessToken())
        clock.advance(by: .seconds(299))
        _ = try await verifier.verify(try await issuer.accessToken(now: clock.now()))
        #expect(fetcher.jwksFetches == 1)
    }

    @Test("revalidation sends If-None-Match; a 304 keeps the keys and renews their freshness")
    func etagRevalidation() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key], cacheControl: "max-age=100")
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksRequests.first?.ifNoneMatch == nil)

        fetcher.setCacheControl("max-age=200")
        clock.advance(by: .seconds(100))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksRequests.map(\.ifNoneMatch) == [nil, "\"v1\""])
        #expect(fetcher.statuses == [200, 304])

        // The 304's max-age applies from now.
        clock.advance(by: .seconds(199))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 2)
        clock.advance(by: .seconds(1))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.statuses == [200, 304, 304])
        #expect(verifier.status().keyIDs == [issuer.key.id])
    }

    @Test("every fetch carries the configured timeout and size limit")
    func limitsArePassed() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock) {
            $0.fetchTimeout = .seconds(2)
            $0.maxResponseBytes = 4096
        }
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.map(\.timeout) == [.seconds(2)])
        #expect(fetcher.requests.map(\.maxBytes) == [4096])
    }

    @Test("a JWKS with unsupported or broken keys still yields the supported ones")
    func unsupportedKeys() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(.rs256, clock: clock)
        let rsa = try #require(issuer.key.publicJWK)
        var encryption = rsa
        encryption["alg"] = "RSA1_5"
        encryption["use"] = "enc"
        encryption["kid"] = "enc-key"
        var noKeyID = rsa
        noKeyID["kid"] = nil
        let extra: [JSONValue] = [
            [
                "kty": "oct", "kid": "hs", "alg": "HS256",
                "k": .string(Base64URL.encode(Array(repeating: 7, count: 32))),
            ],
            .object(encryption),
            [
                "kty": "EC", "crv": "secp256k1", "alg": "ES256K", "kid": "k1",
                "x": .string(Base64URL.encode(Array(repeating: 1, count: 32))),
                "y": .string(Base64URL.encode(Array(repeating: 2, count: 32))),
            ],
            ["kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "off-curve", "x": "AAAA", "y": "AAAA"],
            ["kty": "WAT", "kid": "wat", "alg": "WAT1"],
            .object(noKeyID),
            42, "a string", .null, [],
        ]
        let fetcher = FakeIssuer(keys: [issuer.key], extra: extra)
        let verifier = makeVerifier(fetcher, clock: clock)

        _ = try await verifier.verify(try await issuer.accessToken())
        let status = verifier.status()
        #expect(status.keyIDs == [issuer.key.id])
        #expect(status.skippedKeys.count == extra.count)
        #expect(status.lastFetchError == nil)
    }

    @Test("a set whose keys are all unusable is an error that keeps the old keys")
    func allUnusable() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await issuer.accessToken())

        fetcher.publish([], extra: [["kty": "oct", "kid": "hs", "alg": "HS256", "k": "AAAA"]])
        clock.advance(by: .seconds(300))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 2)
        #expect(verifier.status().lastFetchError?.code == .invalidKeySet)
        #expect(verifier.status().keyIDs == [issuer.key.id])
    }

    @Test("refreshKeys() fetches now and reports a failure")
    func refreshKeys() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)
        try await verifier.refreshKeys()
        #expect(verifier.status().hasKeys)
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 1)

        fetcher.setMode(.status(503))
        await #expect(throws: VerifierError(.fetchFailed, "")) { try await verifier.refreshKeys() }
        _ = try await verifier.verify(try await issuer.accessToken())
    }
}

@Suite("Stale-if-error: a failing issuer never breaks known keys")
struct IssuerFailureTests {
    static let failures: [FakeIssuer.Mode] = [
        .throwing, .status(500), .status(404), .status(302), .body(Array("<html>not json</html>".utf8)),
        .body(Array(#"{"no":"keys"}"#.utf8)), .body(Array(#"[1,2,3]"#.utf8)), .body([]),
        .body(Array(repeating: UInt8(ascii: " "), count: 300 * 1024)),
    ]

    @Test(
        "when the issuer is down or answers garbage, known keys verify and unknown ones fail cleanly",
        arguments: Self.failures.indices)
    func staleIfError(index: Int) async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let stranger = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)
        _ = try await verifier.verify(try await issuer.accessToken())

        fetcher.setMode(Self.failures[index])
        clock.advance(by: .seconds(301))
        // The refresh fails; the caller still gets an answer from the known keys.
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.count == 2)
        let failure = try #require(verifier.status().lastFetchError)
        #expect([.fetchFailed, .invalidKeySet].contains(failure.code))

        // Unknown kids fail as unknown, without asking (a fetch just happened).
        let unknown = try await stranger.accessToken()
        #expect(await verifierError { try await verifier.verify(unknown) }?.tokenError?.code == .unknownKeyID)
        #expect(fetcher.requests.count == 2)

        // Within the retry interval, no new attempt; after it, one in the background.
        clock.advance(by: .seconds(9))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.count == 2)
        clock.advance(by: .seconds(1))
        _ = try await verifier.verify(try await issuer.accessToken())
        await verifier.waitForPendingFetch()
        #expect(fetcher.requests.count == 3)

        // After the cooldown, an unknown kid asks once more, fails, and is refused.
        clock.advance(by: .seconds(31))
        #expect(await verifierError { try await verifier.verify(unknown) }?.tokenError?.code == .unknownKeyID)
        #expect(fetcher.requests.count == 4)

        // The issuer recovers: the next attempt succeeds and clears the error.
        fetcher.setMode(.up)
        clock.advance(by: .seconds(10))
        _ = try await verifier.verify(try await issuer.accessToken())
        await verifier.waitForPendingFetch()
        #expect(verifier.status().lastFetchError == nil)
        #expect(fetcher.requests.count == 5)
    }

    @Test("with no keys ever loaded, verification is unavailable and retries are rate-limited")
    func neverLoaded() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMode(.throwing)
        let verifier = makeVerifier(fetcher, clock: clock)
        let token = try await issuer.accessToken()

        let first = await verifierError { try await verifier.verify(token) }
        #expect(first?.code == .keysUnavailable)
        #expect((first?.underlying as? VerifierError)?.code == .fetchFailed)
        #expect(fetcher.requests.count == 1)
        for _ in 0..<20 {
            #expect(await verifierError { try await verifier.verify(token) }?.code == .keysUnavailable)
        }
        #expect(fetcher.requests.count == 1)

        fetcher.setMode(.up)
        clock.advance(by: .seconds(10))
        _ = try await verifier.verify(token)
        #expect(fetcher.requests.count == 2)
    }

    @Test("a 304 to a request without a validator is not taken as a key set")
    func unexpected304() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMode(.status(304))
        let verifier = makeVerifier(fetcher, clock: clock)
        #expect(
            await verifierError { try await verifier.verify(try await issuer.accessToken()) }?.code == .keysUnavailable)
    }
}

extension RemoteTokenVerifier {
    /// Not public API: the cache's bookkeeping, for the bounds checks above.
    var cacheForTests: KeyCache { cacheSnapshot }
}
