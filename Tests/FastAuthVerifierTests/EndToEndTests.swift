import FastAuth
import FastAuthTesting
import FastAuthVapor
import FastAuthVerifier
import Foundation
import Synchronization
import Testing
import Vapor
import VaporTesting

/// The AsyncHTTPClient fetcher, recording what came back.
final class RecordingFetcher: JWKSFetcher {
    let inner = HTTPJWKSFetcher()
    private let log = Mutex<[(path: String, status: Int, ifNoneMatch: String?)]>([])

    var exchanges: [(path: String, status: Int, ifNoneMatch: String?)] { log.withLock { $0 } }

    func fetch(_ request: JWKSFetchRequest) async throws -> JWKSFetchResponse {
        let response = try await inner.fetch(request)
        log.withLock { $0.append((request.url.path, response.status, request.ifNoneMatch)) }
        return response
    }
}

@Suite("Against a real FastAuth server over HTTP")
struct EndToEndTests {
    /// A FastAuth server in PEM mode listening on a loopback port.
    func withServer(_ body: (AuthService, URL) async throws -> Void) async throws {
        // The metadata's URLs come from configuration only, so the port is chosen first.
        let port = try await Self.freePort()
        try await withApp { app in
            let base = "http://127.0.0.1:\(port)"
            let fixture = try TestFixtures.config(algorithm: .es256, issuer: nil)
            let config = try FastAuthConfig(secret: fixture.secret, jwt: fixture.jwt, publicURL: base)
            let auth = try await AuthService(config: config, store: InMemoryStore())
            auth.mount(app)
            try await app.server.start(address: .hostname("127.0.0.1", port: port))
            do {
                try await body(auth, try #require(URL(string: base)))
            } catch {
                await app.server.shutdown()
                throw error
            }
            await app.server.shutdown()
        }
    }

    /// A loopback port nothing listens on now: a server bound to port 0, its port read, closed.
    static func freePort() async throws -> Int {
        try await withApp { probe in
            try await probe.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(probe.http.server.shared.localAddress?.port)
            await probe.server.shutdown()
            return port
        }
    }

    @Test("discovery, JWKS, ETag revalidation and verification over real HTTP")
    func endToEnd() async throws {
        try await withServer { auth, base in
            let clock = ManualClock(Date())  // the server signs with the real time
            let fetcher = RecordingFetcher()
            let verifier = RemoteTokenVerifier(
                configuration: .init(discoveryURL: base, issuer: nil, audience: ["api"], clock: clock), fetcher: fetcher
            )
            let token = try await auth.tokens.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s1"))
                .token

            let verified = try await verifier.verify(token)
            #expect(verified.claims.subject == TestFixtures.user().id.rawValue)
            #expect(
                fetcher.exchanges.map(\.path) == ["/.well-known/oauth-authorization-server", "/.well-known/jwks.json"])
            #expect(fetcher.exchanges.map(\.status) == [200, 200])

            clock.advance(by: .seconds(300))
            _ = try await verifier.verify(token)
            #expect(fetcher.exchanges.count == 3)
            #expect(fetcher.exchanges.last?.status == 304)
            #expect(fetcher.exchanges.last?.ifNoneMatch != nil)
            #expect(verifier.status().lastFetchError == nil)
        }
    }

    @Test("an oversized response and an unreachable issuer are clean fetch errors")
    func limits() async throws {
        try await withServer { auth, base in
            let clock = ManualClock()
            var configuration = RemoteTokenVerifier.Configuration(
                jwksURL: base.appending(path: ".well-known/jwks.json"), issuer: nil, clock: clock)
            configuration.maxResponseBytes = 64
            let small = RemoteTokenVerifier(configuration: configuration)
            let error = await verifierError { try await small.verify("a.b.c") }
            #expect(error?.code == .keysUnavailable)
            #expect((error?.underlying as? VerifierError)?.code == .fetchFailed)
            #expect(error?.description.contains("64-byte limit") == true)

            let missing = RemoteTokenVerifier(
                configuration: .init(jwksURL: base.appending(path: "nothing-here"), issuer: nil, clock: clock))
            await #expect(throws: VerifierError(.fetchFailed, "")) { try await missing.refreshKeys() }
        }
        let clock = ManualClock()
        var configuration = RemoteTokenVerifier.Configuration(
            jwksURL: try #require(URL(string: "http://127.0.0.1:1/jwks.json")), issuer: nil, clock: clock)
        configuration.fetchTimeout = .seconds(2)
        let unreachable = RemoteTokenVerifier(configuration: configuration)
        await #expect(throws: VerifierError(.fetchFailed, "")) { try await unreachable.refreshKeys() }
    }
}
