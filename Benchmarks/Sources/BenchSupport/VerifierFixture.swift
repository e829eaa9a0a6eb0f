public import FastAuth
import FastAuthTesting
public import FastAuthVerifier
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A JWKS endpoint that always answers the same body, `200` with a long `max-age`, and counts
/// the requests: the verifier benchmarks assert it is asked exactly once (a warm cache).
public final class FixedJWKSFetcher: JWKSFetcher {
    /// The JWKS document served.
    public let body: [UInt8]
    private let count = Atomic<Int>(0)

    public init(body: [UInt8]) { self.body = body }

    /// How many times the JWKS was fetched.
    public var fetches: Int { count.load(ordering: .relaxed) }

    public func fetch(_ request: JWKSFetchRequest) async throws -> JWKSFetchResponse {
        count.add(1, ordering: .relaxed)
        return JWKSFetchResponse(status: 200, cacheControl: "public, max-age=86400", etag: "\"bench\"", body: body)
    }
}

/// A resource server's view of one algorithm: a PEM-mode `TokenService` (the issuer), a pool
/// of distinct access tokens it issued (a fresh cuid2 `jti` each), its JWKS, and a
/// `RemoteTokenVerifier` whose cache was warmed by one fetch of that JWKS.
public struct VerifierFixture: Sendable {
    /// Where the verifier believes the JWKS lives (never contacted: the fetcher answers).
    public static let jwksURL = URL(string: "http://127.0.0.1:9/.well-known/jwks.json")!
    /// The default pool size.
    public static let defaultPoolSize = 1024
    /// Lifetime of the pool's tokens: long enough for any benchmark session, and for the
    /// Python script that reads them from a file.
    public static let tokenLifetime: Duration = .seconds(7 * 86_400)

    public let algorithm: SigningAlgorithm
    /// The issuer (also verifies the pool, for comparison: `TokenService.verifyAccessToken`).
    public let service: TokenService
    /// Distinct access tokens, all valid for ``tokenLifetime``.
    public let tokens: [String]
    /// `{"keys":[…]}` with the access signing key's public JWK (`SigningKey.publicJWK`).
    public let jwks: [UInt8]
    /// The JWKS endpoint the verifier reads, counting fetches.
    public let fetcher: FixedJWKSFetcher
    /// The verifier under test: issuer and audience as the tokens', allowlist `[algorithm]`.
    public let verifier: RemoteTokenVerifier

    /// Builds the issuer, issues `count` distinct tokens, and warms the verifier's cache
    /// (one fetch, checked; every token verified once by both paths).
    public static func make(
        _ algorithm: SigningAlgorithm, count: Int = defaultPoolSize
    ) async throws
        -> VerifierFixture
    {
        guard !algorithm.isSymmetric else { throw FixtureError("a resource server verifies asymmetric tokens only") }
        let jwt = JWTConfig(
            algorithm: algorithm, accessTokenTTL: tokenLifetime, issuer: peerIssuer, audience: peerAudience,
            privateKey: try KeyMaterial.generate(algorithm: algorithm).privateKeyPEM)
        let service = try await TokenService(config: try FastAuthConfig(secret: TestFixtures.secret, jwt: jwt))
        let user = TestFixtures.user(
            id: UserID("qco48rv0pvu11x8kcnp93pof"), email: "probe-1795949791178651902@example.com", name: "Probe One")
        let sessionID = SessionID("s1234567890abcdefghijklm")
        var tokens: [String] = []
        tokens.reserveCapacity(count)
        for _ in 0..<count {
            tokens.append(try await service.issueAccessToken(for: user, sessionID: sessionID).token)
        }
        guard Set(tokens).count == count else { throw FixtureError("the token pool is not distinct") }

        let signingKey = try requireValue(service.keyRing.snapshot.access.signingKey, "access signing key")
        let jwk = try requireValue(signingKey.publicJWK, "public JWK")
        let jwks = JSONValue.object(["keys": .array([.object(jwk)])]).jsonBytes
        let fetcher = FixedJWKSFetcher(body: jwks)
        let verifier = RemoteTokenVerifier(
            configuration: .init(
                jwksURL: jwksURL, issuer: peerIssuer, audience: peerAudience, allowedAlgorithms: [algorithm]),
            fetcher: fetcher)
        let fixture = VerifierFixture(
            algorithm: algorithm, service: service, tokens: tokens, jwks: jwks, fetcher: fetcher, verifier: verifier)
        try await fixture.warm()
        return fixture
    }

    /// One fetch before timing, then every token through both paths (each must pass, and
    /// the subject must come back); the fetch count must still be 1.
    func warm() async throws {
        try await verifier.refreshKeys()
        for token in tokens {
            let remote = try await verifier.verify(token)
            let local = try service.verifyAccessToken(token)
            guard remote.claims.subject == "qco48rv0pvu11x8kcnp93pof", remote.claims.tokenID == local.claims.tokenID
            else { throw FixtureError("the verifier and the service disagree on a token") }
        }
        try checkWarm()
    }

    /// Throws unless the verifier fetched the JWKS exactly once (its cache stayed warm).
    public func checkWarm() throws {
        let fetches = fetcher.fetches
        guard fetches == 1 else { throw FixtureError("the JWKS was fetched \(fetches) times, expected 1") }
    }
}

/// Fixtures built once per process, one per algorithm (for the ordo-one benchmarks).
public final class VerifierFixtureCache: Sendable {
    public static let shared = VerifierFixtureCache()
    private let fixtures = Mutex<[SigningAlgorithm: VerifierFixture]>([:])

    /// Builds the fixture for `algorithm` unless it exists.
    public func prepare(_ algorithm: SigningAlgorithm) async throws {
        if fixtures.withLock({ $0[algorithm] }) != nil { return }
        let fixture = try await VerifierFixture.make(algorithm)
        fixtures.withLock { $0[algorithm] = $0[algorithm] ?? fixture }
    }

    /// The fixture for `algorithm`; ``prepare(_:)`` must have run.
    public func fixture(_ algorithm: SigningAlgorithm) throws -> VerifierFixture {
        guard let fixture = fixtures.withLock({ $0[algorithm] }) else {
            throw FixtureError("verifier fixture for \(algorithm) not prepared")
        }
        return fixture
    }
}
