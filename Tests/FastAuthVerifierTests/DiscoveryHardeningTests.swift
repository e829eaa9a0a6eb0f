import FastAuth
import FastAuthTesting
import Foundation
import Testing

@testable import FastAuthVerifier

/// Discovery cannot be steered to another key set, stale keys do not live forever, and the
/// metadata is read again.
@Suite("Discovery and staleness hardening")
struct DiscoveryHardeningTests {
    @Test(
        "a jwks_uri on another origin, or over plain http off loopback, is refused",
        arguments: [
            "https://keys.evil.test/.well-known/jwks.json", "http://auth.example.test/.well-known/jwks.json",
            "https://auth.example.test:8443/.well-known/jwks.json",
        ])
    func foreignJWKSURI(uri: String) async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMetadata(["issuer": .string(FakeIssuer.issuer), "jwks_uri": .string(uri)])
        let verifier = makeVerifier(fetcher, clock: clock, source: .discovery(FakeIssuer.metadataURL))
        let error = await verifierError { try await verifier.verify(try await issuer.accessToken()) }
        #expect(error?.code == .keysUnavailable)
        #expect((error?.underlying as? VerifierError)?.code == .invalidMetadata)
        #expect(fetcher.requests.map(\.url) == [FakeIssuer.metadataURL])
    }

    @Test("an allowlisted origin is accepted for the jwks_uri")
    func allowlistedOrigin() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMetadata(["issuer": .string(FakeIssuer.issuer), "jwks_uri": "https://keys.example.test/jwks.json"])
        let verifier = makeVerifier(fetcher, clock: clock, source: .discovery(FakeIssuer.metadataURL)) {
            $0.allowedJWKSOrigins = ["https://keys.example.test"]
        }
        _ = await verifierError { try await verifier.verify(try await issuer.accessToken()) }
        #expect(fetcher.requests.map(\.url.absoluteString).last == "https://keys.example.test/jwks.json")
    }

    @Test("the metadata is read again once metadataRefreshInterval has passed")
    func metadataReread() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock, source: .discovery(FakeIssuer.metadataURL))
        _ = try await verifier.verify(try await issuer.accessToken())
        clock.advance(by: .seconds(600))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.filter { $0.url == FakeIssuer.metadataURL }.count == 1)
        clock.advance(by: .seconds(3600))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.filter { $0.url == FakeIssuer.metadataURL }.count == 2)
    }

    @Test("known keys outlive an issuer outage only for maxStale; then verification fails closed")
    func maxStale() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock) { $0.maxStale = .seconds(3600) }
        _ = try await verifier.verify(try await issuer.accessToken())
        fetcher.setMode(.throwing)
        clock.advance(by: .seconds(301))  // stale (max-age 300), issuer down: stale-if-error
        _ = try await verifier.verify(try await issuer.accessToken())
        await verifier.waitForPendingFetch()
        clock.advance(by: .seconds(3600))  // past freshness + maxStale
        let error = await verifierError { try await verifier.verify(try await issuer.accessToken()) }
        #expect(error?.code == .keysUnavailable)
        fetcher.setMode(.up)
        clock.advance(by: .seconds(10))
        _ = try await verifier.verify(try await issuer.accessToken())
    }

    @Test("redirects are followed within the origin only, never to http")
    func redirects() throws {
        let original = try #require(URL(string: "https://auth.example.test/.well-known/jwks.json"))
        #expect(
            try HTTPJWKSFetcher.redirectTarget(from: original, location: "/keys", original: original).absoluteString
                == "https://auth.example.test/keys")
        #expect(
            try HTTPJWKSFetcher.redirectTarget(
                from: original, location: "https://AUTH.example.test:443/k", original: original
            ).path == "/k")
        for location in [
            "https://evil.test/keys", "http://auth.example.test/keys", "https://auth.example.test:8443/k", nil,
        ] {
            #expect(throws: VerifierError.self) {
                try HTTPJWKSFetcher.redirectTarget(from: original, location: location, original: original)
            }
        }
    }
}
