import FastAuth
import FastAuthTesting
import FastAuthVerifier
import Foundation
import Testing

@Suite("Discovery through RFC 8414 metadata")
struct DiscoveryTests {
    @Test("the JWKS address is read from the metadata once, then used directly")
    func discovers() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock, source: .discovery(URL(string: FakeIssuer.issuer)!))

        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.map(\.url) == [FakeIssuer.metadataURL, FakeIssuer.jwksURL])
        #expect(verifier.status().jwksURL == FakeIssuer.jwksURL)

        clock.advance(by: .seconds(300))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.map(\.url) == [FakeIssuer.metadataURL, FakeIssuer.jwksURL, FakeIssuer.jwksURL])
    }

    @Test("the metadata URL follows RFC 8414 §3.1; a document URL is used as given")
    func metadataAddress() throws {
        let cases: [(String, String)] = [
            ("https://auth.example.test", "https://auth.example.test/.well-known/oauth-authorization-server"),
            ("https://auth.example.test/", "https://auth.example.test/.well-known/oauth-authorization-server"),
            (
                "https://auth.example.test/tenant/a",
                "https://auth.example.test/.well-known/oauth-authorization-server/tenant/a"
            ),
            ("http://127.0.0.1:8000", "http://127.0.0.1:8000/.well-known/oauth-authorization-server"),
            (
                "https://auth.example.test/.well-known/oauth-authorization-server",
                "https://auth.example.test/.well-known/oauth-authorization-server"
            ),
        ]
        for (given, expected) in cases {
            let source = RemoteTokenVerifier.KeySource.discovery(try #require(URL(string: given)))
            #expect(source.metadataURL?.absoluteString == expected)
            #expect(source.jwksURL == nil)
        }
        #expect(RemoteTokenVerifier.KeySource.jwks(FakeIssuer.jwksURL).jwksURL == FakeIssuer.jwksURL)
    }

    @Test(
        "metadata with another issuer, no jwks_uri or not JSON is refused",
        arguments: [
            ["issuer": "https://evil.example.test", "jwks_uri": .string(FakeIssuer.jwksURL.absoluteString)],
            ["issuer": .string(FakeIssuer.issuer)],
            ["issuer": .string(FakeIssuer.issuer), "jwks_uri": "file:///etc/passwd"],
            ["issuer": .string(FakeIssuer.issuer), "jwks_uri": 42],
            "not an object",
        ] as [JSONValue])
    func badMetadata(metadata: JSONValue) async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMetadata(metadata)
        let verifier = makeVerifier(fetcher, clock: clock, source: .discovery(FakeIssuer.metadataURL))

        let error = await verifierError { try await verifier.verify(try await issuer.accessToken()) }
        #expect(error?.code == .keysUnavailable)
        #expect((error?.underlying as? VerifierError)?.code == .invalidMetadata)
        #expect(fetcher.requests.map(\.url) == [FakeIssuer.metadataURL])
    }

    @Test("a failed discovery is retried after the retry interval")
    func retriesDiscovery() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        fetcher.setMode(.status(503))
        let verifier = makeVerifier(fetcher, clock: clock, source: .discovery(FakeIssuer.metadataURL))
        #expect(
            await verifierError { try await verifier.verify(try await issuer.accessToken()) }?.code == .keysUnavailable)

        fetcher.setMode(.up)
        clock.advance(by: .seconds(10))
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.requests.map(\.url) == [FakeIssuer.metadataURL, FakeIssuer.metadataURL, FakeIssuer.jwksURL])
    }
}
