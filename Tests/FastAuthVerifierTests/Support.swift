import FastAuth
import FastAuthTesting
import FastAuthVerifier
import Foundation
import Synchronization
import Testing

/// An issuer's JWKS endpoint, in memory: serves the published keys with `Cache-Control` and a
/// strong ETag, answers 304 to a matching `If-None-Match`, serves RFC 8414 metadata, and can
/// fail in every way a real one can. Counts and records every request.
final class FakeIssuer: JWKSFetcher {
    /// How the endpoint answers.
    enum Mode: Sendable {
        case up
        case throwing
        case status(Int)
        case body([UInt8])
    }

    struct Down: Error {}

    static let issuer = "https://auth.example.test"
    static let jwksURL = URL(string: "https://auth.example.test/.well-known/jwks.json")!
    static let metadataURL = URL(string: "https://auth.example.test/.well-known/oauth-authorization-server")!

    private struct State {
        var document: [UInt8] = Array(#"{"keys":[]}"#.utf8)
        var version = 0
        var cacheControl: String? = "public, max-age=300"
        var mode = Mode.up
        var metadata: JSONValue = [
            "issuer": .string(FakeIssuer.issuer), "jwks_uri": .string(FakeIssuer.jwksURL.absoluteString),
        ]
        var requests: [JWKSFetchRequest] = []
        var statuses: [Int] = []
    }

    private let state = Mutex(State())

    init(keys: [SigningKey] = [], extra: [JSONValue] = [], cacheControl: String? = "public, max-age=300") {
        publish(keys, extra: extra)
        setCacheControl(cacheControl)
    }

    /// Publishes a new key set (a new ETag).
    func publish(_ keys: [SigningKey], extra: [JSONValue] = []) {
        let entries = keys.compactMap(\.publicJWK).map(JSONValue.object) + extra
        state.withLock {
            $0.document = JSONValue.object(["keys": .array(entries)]).jsonBytes
            $0.version += 1
        }
    }

    func setMode(_ mode: Mode) { state.withLock { $0.mode = mode } }
    func setCacheControl(_ value: String?) { state.withLock { $0.cacheControl = value } }
    func setMetadata(_ value: JSONValue) { state.withLock { $0.metadata = value } }

    /// Requests for the JWKS (not the metadata).
    var jwksRequests: [JWKSFetchRequest] { state.withLock { $0.requests.filter { $0.url == Self.jwksURL } } }
    /// How many times the JWKS was asked for.
    var jwksFetches: Int { jwksRequests.count }
    /// Every request, in order.
    var requests: [JWKSFetchRequest] { state.withLock { $0.requests } }
    /// The status of each answer (thrown requests excluded).
    var statuses: [Int] { state.withLock { $0.statuses } }

    func fetch(_ request: JWKSFetchRequest) async throws -> JWKSFetchResponse {
        await Task.yield()  // let concurrent callers pile up behind the fetch in flight
        return try state.withLock { state in
            state.requests.append(request)
            let response = try Self.answer(request, state)
            state.statuses.append(response.status)
            return response
        }
    }

    private static func answer(_ request: JWKSFetchRequest, _ state: State) throws -> JWKSFetchResponse {
        switch state.mode {
        case .throwing: throw Down()
        case .status(let code): return JWKSFetchResponse(status: code, body: Array("<html>oops</html>".utf8))
        case .body(let bytes): return JWKSFetchResponse(status: 200, cacheControl: state.cacheControl, body: bytes)
        case .up: break
        }
        if request.url == metadataURL {
            return JWKSFetchResponse(status: 200, body: state.metadata.jsonBytes)
        }
        guard request.url == jwksURL else { return JWKSFetchResponse(status: 404) }
        let etag = "\"v\(state.version)\""
        if request.ifNoneMatch == etag {
            return JWKSFetchResponse(status: 304, cacheControl: state.cacheControl, etag: etag)
        }
        return JWKSFetchResponse(status: 200, cacheControl: state.cacheControl, etag: etag, body: state.document)
    }
}

/// A FastAuth token service in PEM mode: the issuer whose tokens the verifier checks.
struct Issuer {
    let service: TokenService
    let key: SigningKey
    let clock: ManualClock

    static func make(
        _ algorithm: SigningAlgorithm = .es256, clock: ManualClock, audience: [String]? = ["api"]
    )
        async throws
        -> Issuer
    {
        let config = try TestFixtures.config(algorithm: algorithm, audience: audience)
        let service = try await TokenService(config: config, clock: clock)
        let key = try #require(service.keyRing.snapshot.access.signingKey)
        return Issuer(service: service, key: key, clock: clock)
    }

    /// A real access token for the fixture user.
    func accessToken(now: Date? = nil) async throws -> String {
        try await service.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("sess1"), now: now).token
    }

    /// A real refresh token (signed with the derived HS256 refresh key).
    func refreshToken() async throws -> String {
        try await service.issueRefreshToken(for: TestFixtures.user(), sessionID: SessionID("sess1")).token
    }

    /// A token with the claims of a real access token, `changes` applied, signed with `key`
    /// (default: the issuer's key) under `header` (default: its alg and kid).
    func forge(
        _ changes: [String: JSONValue] = [:], header: [String: JSONValue]? = nil, key signer: SigningKey? = nil
    ) async throws -> String {
        let issued = try await service.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("sess1"))
        var claims = issued.claims.jsonObject
        for (name, value) in changes { claims[name] = value }
        let header = header ?? ["alg": .string(key.algorithm.rawValue), "typ": "JWT", "kid": .string(key.id.rawValue)]
        return try TestFixtures.forge(header: header, claims: claims, key: signer ?? key)
    }
}

/// A token with `kid` whose signature is junk: refused at key selection, before any
/// cryptography, so thousands cost nothing to make.
func garbageKidToken(_ kid: String, algorithm: SigningAlgorithm = .es256) -> String {
    let header: JSONValue = ["alg": .string(algorithm.rawValue), "typ": "JWT", "kid": .string(kid)]
    return Base64URL.encode(header.jsonBytes) + "." + Base64URL.encode(Array(#"{"sub":"x"}"#.utf8)) + ".AAAA"
}

/// A verifier of `fetcher`'s keys with the fixture issuer and audience.
func makeVerifier(
    _ fetcher: some JWKSFetcher, clock: ManualClock, source: RemoteTokenVerifier.KeySource = .jwks(FakeIssuer.jwksURL),
    issuer: String? = FakeIssuer.issuer, audience: [String] = ["api"],
    configure: (inout RemoteTokenVerifier.Configuration) -> Void = { _ in }
) -> RemoteTokenVerifier {
    var configuration = RemoteTokenVerifier.Configuration(
        keySource: source, issuer: issuer, audience: audience, clock: clock)
    configure(&configuration)
    return RemoteTokenVerifier(configuration: configuration, fetcher: fetcher)
}

/// The ``VerifierError`` `body` throws; any other error is a test failure.
func verifierError(_ body: () async throws -> VerifiedToken) async -> VerifierError? {
    do {
        _ = try await body()
        return nil
    } catch let error as VerifierError {
        return error
    } catch {
        Issue.record("unexpected error: \(error)")
        return nil
    }
}
