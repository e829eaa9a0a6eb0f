public import FastAuth
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Verifies access tokens of a FastAuth server (or any issuer publishing a JWKS) in a resource
/// service that holds no private key and no secret: the "microservice" pattern.
///
/// Every rule of docs/TOKENS.md for access tokens is applied by ``FastAuth/TokenVerifier`` against
/// the issuer's keys, which are fetched and cached here: `Cache-Control: max-age` (clamped)
/// and `ETag` revalidation, one fetch in flight at a time, an unknown `kid` causing at most
/// one fetch per cooldown (and then refused from memory), known keys kept when the issuer is
/// down or answers garbage, unsupported keys skipped.
///
/// ```swift
/// let verifier = RemoteTokenVerifier(
///     configuration: .init(
///         jwksURL: URL(string: "https://auth.example.com/.well-known/jwks.json")!,
///         issuer: "https://auth.example.com", audience: ["orders"]))
/// let token = try await verifier.verify(bearer)
/// print(token.claims.subject)
/// ```
public final class RemoteTokenVerifier: Sendable {
    /// What a diagnostic or health check can see of the cache.
    public struct Status: Sendable {
        /// The `kid`s of the usable keys, sorted; empty until a set was loaded.
        public let keyIDs: [KeyID]
        /// Why keys of the last loaded set were skipped.
        public let skippedKeys: [String]
        /// `true` once a key set was loaded.
        public let hasKeys: Bool
        /// Until when the loaded set is fresh.
        public let freshUntil: Date?
        /// Why the last fetch failed; `nil` after a success.
        public let lastFetchError: VerifierError?
        /// The JWKS address in use (after discovery, the metadata's `jwks_uri`).
        public let jwksURL: URL?
    }

    private struct State: Sendable {
        var cache: KeyCache
        var inFlight: Task<Void, Never>?
        var jwksURL: URL?
        /// When the metadata named ``jwksURL`` (discovery only).
        var discoveredAt: Date?
    }

    private enum Fetched: Sendable {
        case modified(JWKSet, etag: String?, cacheControl: String?)
        case notModified(etag: String?, cacheControl: String?)
    }

    /// The configuration.
    public let configuration: Configuration
    private let fetcher: any JWKSFetcher
    private let tokens: TokenVerifier
    private let state: Mutex<State>

    /// Creates a verifier. Nothing is fetched until the first verification (or
    /// ``refreshKeys()``, to warm the cache at startup).
    public init(configuration: Configuration, fetcher: any JWKSFetcher = HTTPJWKSFetcher()) {
        self.configuration = configuration
        self.fetcher = fetcher
        self.tokens = TokenVerifier(policy: configuration.policy)
        self.state = Mutex(
            State(cache: KeyCache(policy: configuration.cachePolicy), jwksURL: configuration.keySource.jwksURL))
    }

    // MARK: Verifying

    /// Verifies an access token: signature with the issuer's key for its `kid`, algorithm
    /// allowlist, `exp`/`nbf`/`iat` with leeway, `iss`, `aud`, and `type` `access`.
    ///
    /// Throws ``VerifierError/Code/invalidToken`` (see ``VerifierError/tokenError``) for any
    /// refused token, and ``VerifierError/Code/keysUnavailable`` only while no key set has
    /// ever been loaded.
    public func verify(_ token: String) async throws(VerifierError) -> VerifiedToken {
        try await withIssuerKeys(token) { keys, now throws(TokenError) in
            try tokens.verify(token, as: .access, keys: keys, now: now)
        }
    }

    /// A compact JWS whose signature an issuer key verified; its payload is not checked.
    public struct VerifiedSignature: Sendable, Hashable {
        /// Its header.
        public let header: TokenHeader
        /// The decoded payload bytes (for a JWT, the claims object, unchecked).
        public let payload: [UInt8]
        /// The key that verified it.
        public let keyID: KeyID
    }

    /// Verifies only the signature of a compact JWS with the issuer's keys, with the same key
    /// cache, unknown-`kid` cooldown, size limit and algorithm allowlist (the algorithm pinned to
    /// the key, `none` and HMAC refused) as ``verify(_:)``, but none of its claim rules: for
    /// tokens that are not FastAuth access tokens (an OpenID Connect ID token has no `type`),
    /// whose claims the caller checks itself.
    public func verifySignature(_ token: String) async throws(VerifierError) -> VerifiedSignature {
        let policy = configuration.policy
        let keyless = configuration.allowsKeylessTokenWithSingleKey
        return try await withIssuerKeys(token) { keys, _ throws(TokenError) in
            var keys = keys
            if keyless, keys.keylessKey == nil, keys.verificationKeys.count == 1,
                let only = keys.verificationKeys.first?.value
            {
                keys = KeySet(signingKey: nil, verificationKeys: [only], keylessKey: only)
            }
            let verified = try TokenVerifier.verifyJWS(
                token, keys: keys, allowedAlgorithms: policy.allowedAlgorithms, maxTokenBytes: policy.maxTokenBytes)
            return VerifiedSignature(header: verified.header, payload: verified.payload, keyID: verified.keyID)
        }
    }

    /// Runs `check` with the issuer's keys; on an unknown `kid`, once more after a fetch the
    /// cooldown allows.
    private func withIssuerKeys<Result>(
        _ token: String, _ check: (KeySet, Date) throws(TokenError) -> Result
    ) async throws(VerifierError) -> Result {
        let keys = try await keysForVerification()
        let now = configuration.clock.now()
        do {
            return try check(keys, now)
        } catch  where error.code == .unknownKeyID {
            guard let kid = Self.keyID(in: token), let refreshed = await keysAfterUnknownKeyID(kid, now: now) else {
                throw .invalidToken(error)
            }
            do {
                return try check(refreshed, configuration.clock.now())
            } catch {
                if error.code == .unknownKeyID {
                    let now = configuration.clock.now()
                    state.withLock { $0.cache.rememberUnknown(kid, now: now) }
                }
                throw .invalidToken(error)
            }
        } catch {
            throw .invalidToken(error)
        }
    }

    /// Fetches the key set now (or joins the fetch in flight), whatever its freshness. Useful
    /// at startup; throws why the fetch failed (known keys are kept).
    public func refreshKeys() async throws(VerifierError) {
        let now = configuration.clock.now()
        let flight = state.withLock { startFetch(&$0, now: now) }
        await flight.value
        if let error = state.withLock({ $0.cache.lastError }) { throw error }
    }

    /// A snapshot of the cache, for diagnostics and health checks.
    public func status() -> Status {
        state.withLock { state in
            Status(
                keyIDs: (state.cache.keys?.verificationKeys.keys).map { $0.sorted { $0.rawValue < $1.rawValue } } ?? [],
                skippedKeys: state.cache.skipped, hasKeys: state.cache.keys != nil,
                freshUntil: state.cache.keys == nil ? nil : state.cache.freshUntil,
                lastFetchError: state.cache.lastError,
                jwksURL: state.jwksURL)
        }
    }

    /// Waits for the fetch in flight, if any (a background refresh, in tests).
    package func waitForPendingFetch() async {
        let flight = state.withLock { $0.inFlight }
        await flight?.value
    }

    /// The cache's bookkeeping (tests).
    var cacheSnapshot: KeyCache { state.withLock { $0.cache } }

    // MARK: Cache decisions

    /// The keys to verify with: fresh ones, or the result of a fetch, or stale ones while the
    /// issuer is failing.
    private func keysForVerification() async throws(VerifierError) -> KeySet {
        enum Step {
            case ready(KeySet)
            case wait(Task<Void, Never>)
            case fail(VerifierError?)
        }
        let now = configuration.clock.now()
        let step: Step = state.withLock { state in
            switch state.cache.plan(now: now) {
            case .use(let keys):
                return .ready(keys)
            case .refreshInBackground(let keys):
                _ = startFetch(&state, now: now)
                return .ready(keys)
            case .refreshAndWait:
                return .wait(startFetch(&state, now: now))
            case .unavailable(let error):
                if let flight = state.inFlight { return .wait(flight) }
                return .fail(error)
            }
        }
        switch step {
        case .ready(let keys):
            return keys
        case .fail(let error):
            throw Self.unavailable(error)
        case .wait(let flight):
            await flight.value
            let now = configuration.clock.now()
            let (keys, error) = state.withLock { ($0.cache.usableKeys(now: now), $0.cache.lastError) }
            guard let keys else { throw Self.unavailable(error) }
            return keys
        }
    }

    /// The keys after looking for an unknown `kid`: `nil` when the issuer may not be asked
    /// (the `kid` was refused recently, or a fetch happened within the cooldown).
    private func keysAfterUnknownKeyID(_ kid: String, now: Date) async -> KeySet? {
        let flight: Task<Void, Never>? = state.withLock { state in
            if state.cache.isKnownUnknown(kid, now: now) { return nil }
            if let flight = state.inFlight { return flight }
            guard state.cache.mayFetchForUnknownKeyID(now: now) else { return nil }
            return startFetch(&state, now: now, forUnknownKeyID: true)
        }
        guard let flight else { return nil }
        await flight.value
        let after = configuration.clock.now()
        return state.withLock { $0.cache.usableKeys(now: after) }
    }

    /// The fetch in flight, or a new one (single-flight). Call with the lock held.
    private func startFetch(_ state: inout State, now: Date, forUnknownKeyID: Bool = false) -> Task<Void, Never> {
        if let flight = state.inFlight { return flight }
        state.cache.fetchStarted(now: now, forUnknownKeyID: forUnknownKeyID)
        let etag = state.cache.keys == nil ? nil : state.cache.etag
        var url = state.jwksURL
        if configuration.keySource.metadataURL != nil, let discoveredAt = state.discoveredAt,
            now >= discoveredAt.adding(configuration.metadataRefreshInterval)
        {
            url = nil  // read the metadata again: the jwks_uri may have moved
        }
        let flight = Task { await self.fetch(jwksURL: url, etag: etag) }
        state.inFlight = flight
        return flight
    }

    // MARK: Fetching

    /// One fetch (after discovery, when needed), its outcome recorded in the cache.
    private func fetch(jwksURL known: URL?, etag: String?) async {
        var resolved = known
        let outcome: Result<Fetched, VerifierError>
        do throws(VerifierError) {
            let url: URL
            if let known {
                url = known
            } else {
                url = try await discoverJWKSURL()
                resolved = url
            }
            outcome = .success(try await fetchKeySet(from: url, etag: etag))
        } catch {
            outcome = .failure(error)
        }
        let now = configuration.clock.now()
        state.withLock { state in
            if known == nil, let resolved {
                state.jwksURL = resolved
                state.discoveredAt = now
            }
            switch outcome {
            case .success(.modified(let set, let etag, let cacheControl)):
                state.cache.loaded(set, etag: etag, cacheControl: cacheControl, now: now)
            case .success(.notModified(let etag, let cacheControl)):
                state.cache.notModified(etag: etag, cacheControl: cacheControl, now: now)
            case .failure(let error):
                state.cache.failed(error, now: now)
            }
            state.inFlight = nil
        }
    }

    private func fetchKeySet(from url: URL, etag: String?) async throws(VerifierError) -> Fetched {
        let response = try await get(url, etag: etag)
        switch response.status {
        case 304 where etag != nil:
            return .notModified(etag: response.etag, cacheControl: response.cacheControl)
        case 200:
            let set: JWKSet
            do {
                set = try JWKSet(json: withDefaultAlgorithms(response.body), strict: false)
            } catch {
                throw VerifierError(.invalidKeySet, "the issuer's response is not a JWKS", underlying: error)
            }
            if set.keys.isEmpty, !set.skipped.isEmpty {
                throw VerifierError(
                    .invalidKeySet,
                    "none of the \(set.skipped.count) keys in the issuer's set is usable: "
                        + set.skipped.prefix(3).joined(separator: "; "))
            }
            return .modified(set, etag: response.etag, cacheControl: response.cacheControl)
        default:
            throw VerifierError(.fetchFailed, "the JWKS request answered HTTP \(response.status)")
        }
    }

    /// The JWKS with ``Configuration/defaultKeyAlgorithms`` filled into keys without `alg`
    /// (unchanged when none is configured or the body is not a key set).
    private func withDefaultAlgorithms(_ body: [UInt8]) -> [UInt8] {
        let defaults = configuration.defaultKeyAlgorithms.filter {
            configuration.policy.allowedAlgorithms.contains($0.value)
        }
        guard !defaults.isEmpty, case .object(var document)? = try? JSONValue(parsing: body),
            case .array(let entries)? = document["keys"]
        else { return body }
        document["keys"] = .array(
            entries.map { entry in
                guard case .object(var members) = entry, members["alg"] == nil,
                    let kty = members["kty"]?.stringValue, let algorithm = defaults[kty]
                else { return entry }
                members["alg"] = .string(algorithm.rawValue)
                return .object(members)
            })
        return JSONValue.object(document).jsonBytes
    }

    /// The JWKS address from the RFC 8414 metadata: its `issuer` must be the configured one.
    private func discoverJWKSURL() async throws(VerifierError) -> URL {
        guard let metadataURL = configuration.keySource.metadataURL else {
            throw VerifierError(.invalidMetadata, "no JWKS address is configured")
        }
        let response = try await get(metadataURL, etag: nil)
        guard response.status == 200 else {
            throw VerifierError(.fetchFailed, "the metadata request answered HTTP \(response.status)")
        }
        let document: JSONValue
        do {
            document = try JSONValue(parsing: response.body)
        } catch {
            throw VerifierError(.invalidMetadata, "the metadata document is not JSON", underlying: error)
        }
        if let issuer = configuration.issuer, document["issuer"]?.stringValue != issuer {
            throw VerifierError(.invalidMetadata, "the metadata document's issuer is not \(issuer)")
        }
        guard let text = document["jwks_uri"]?.stringValue, let url = URL(string: text),
            let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http", url.host != nil
        else {
            throw VerifierError(.invalidMetadata, "the metadata document has no usable jwks_uri")
        }
        let origin = Origin(url)
        guard origin?.scheme == "https" || origin?.isLoopback == true else {
            throw VerifierError(.invalidMetadata, "the metadata's jwks_uri is not https")
        }
        let allowed =
            [Origin(metadataURL)] + configuration.allowedJWKSOrigins.map { URL(string: $0).flatMap(Origin.init) }
        guard let origin, allowed.contains(origin) else {
            throw VerifierError(
                .invalidMetadata,
                "the metadata's jwks_uri is on another origin than the metadata (allow it with allowedJWKSOrigins)")
        }
        return url
    }

    /// One `GET` through the fetcher, with the configured limits.
    private func get(_ url: URL, etag: String?) async throws(VerifierError) -> JWKSFetchResponse {
        let request = JWKSFetchRequest(
            url: url, ifNoneMatch: etag, timeout: configuration.fetchTimeout, maxBytes: configuration.maxResponseBytes)
        let response: JWKSFetchResponse
        do {
            response = try await fetcher.fetch(request)
        } catch let error as VerifierError {
            throw error
        } catch {
            throw VerifierError(.fetchFailed, "fetching \(url.absoluteString) failed", underlying: error)
        }
        guard response.body.count <= configuration.maxResponseBytes else {
            throw VerifierError(
                .fetchFailed,
                "the response is \(response.body.count) bytes, over the \(configuration.maxResponseBytes)-byte limit")
        }
        return response
    }

    // MARK: Helpers

    /// A URL's scheme, host and port (the default one filled in), compared case-insensitively.
    struct Origin: Hashable, Sendable {
        let scheme: String
        let host: String
        let port: Int

        init?(_ url: URL) {
            guard let scheme = url.scheme?.lowercased(), let host = url.host?.lowercased(), !host.isEmpty else {
                return nil
            }
            self.scheme = scheme
            self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
            self.port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
        }

        /// `localhost`, 127.0.0.0/8 or ::1.
        var isLoopback: Bool {
            if host == "localhost" { return true }
            guard let address = IPAddress(host) else { return false }
            return address == IPAddress("::1") || IPNetwork("127.0.0.0/8")?.contains(address) == true
        }
    }

    private static func unavailable(_ error: VerifierError?) -> VerifierError {
        VerifierError(.keysUnavailable, "the issuer's keys could not be loaded", underlying: error)
    }

    /// The header's `kid`, read without any checks (the token already passed the structural
    /// ones before its `kid` was found unknown).
    static func keyID(in token: String) -> String? {
        guard let dot = token.utf8.firstIndex(of: UInt8(ascii: ".")),
            let header = Base64URL.decode(String(token[..<dot])),
            case .string(let kid)? = try? JSONValue(parsing: header)["kid"]
        else { return nil }
        return kid
    }
}
