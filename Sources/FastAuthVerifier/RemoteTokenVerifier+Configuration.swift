public import FastAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension RemoteTokenVerifier {
    /// Where the issuer's keys are found: a JWKS address, or an RFC 8414 metadata document
    /// whose `jwks_uri` names it.
    public struct KeySource: Sendable, Hashable, CustomStringConvertible {
        enum Kind: Sendable, Hashable {
            case jwks(URL)
            case metadata(URL)
        }

        let kind: Kind

        /// The JWKS itself, e.g. `https://auth.example.com/.well-known/jwks.json`.
        public static func jwks(_ url: URL) -> Self { Self(kind: .jwks(url)) }

        /// Discovery through the authorization server's metadata (RFC 8414). `url` is either
        /// the document itself (ending in `/.well-known/oauth-authorization-server`) or the
        /// issuer, to which the well-known path is added as RFC 8414 §3.1 says.
        public static func discovery(_ url: URL) -> Self { Self(kind: .metadata(metadataURL(for: url))) }

        /// The JWKS address, when given directly.
        public var jwksURL: URL? { if case .jwks(let url) = kind { url } else { nil } }
        /// The metadata document's address, when keys are discovered.
        public var metadataURL: URL? { if case .metadata(let url) = kind { url } else { nil } }

        public var description: String {
            switch kind {
            case .jwks(let url): "JWKS \(url.absoluteString)"
            case .metadata(let url): "metadata \(url.absoluteString)"
            }
        }

        static let wellKnownPath = "/.well-known/oauth-authorization-server"

        /// RFC 8414 §3.1: `https://host/tenant` → `https://host/.well-known/oauth-authorization-server/tenant`.
        static func metadataURL(for url: URL) -> URL {
            guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return url }
            var path = components.percentEncodedPath
            if path.hasSuffix(wellKnownPath) || path.contains(wellKnownPath + "/") { return url }
            while path.hasSuffix("/") { path.removeLast() }
            components.percentEncodedPath = wellKnownPath + path
            components.query = nil
            components.fragment = nil
            return components.url ?? url
        }
    }

    /// What a ``RemoteTokenVerifier`` accepts and how it caches the issuer's keys.
    public struct Configuration: Sendable {
        /// Where the keys come from.
        public var keySource: KeySource
        /// The required `iss`; also checked against the metadata's `issuer` when discovering.
        public var issuer: String?
        /// Accepted audiences: a token's `aud` must hold one of them. Empty means unchecked.
        public var audience: [String]
        /// Accepted algorithms. HMAC algorithms are always removed: a resource server never
        /// holds a shared secret, and accepting one would allow algorithm confusion.
        public var allowedAlgorithms: Set<SigningAlgorithm>
        /// Clock skew allowed on `exp`, `nbf` and `iat`.
        public var leeway: Duration
        /// The shortest time a fetched key set is trusted without asking again.
        public var cacheMinAge: Duration
        /// The longest time a fetched key set is trusted without asking again.
        public var cacheMaxAge: Duration
        /// The freshness when the issuer sends no `Cache-Control: max-age`.
        public var defaultCacheAge: Duration
        /// An unknown `kid` causes a fetch only when no fetch started within this interval, so
        /// at most one per interval; a `kid` still unknown after it stays refused for as long.
        public var unknownKeyIDCooldown: Duration
        /// After a failed fetch, the next attempt waits this long (known keys keep working).
        public var retryInterval: Duration
        /// The longest a fetch may take.
        public var fetchTimeout: Duration
        /// The largest JWKS or metadata response accepted.
        public var maxResponseBytes: Int
        /// The source of "now" for token expiry and for the cache.
        public var clock: any WallClock
        /// How long known keys keep working past their freshness while the issuer cannot be
        /// reached (stale-if-error). After it, verification fails closed until a fetch succeeds.
        public var maxStale: Duration = .seconds(86_400)
        /// With discovery, the metadata document is read again this often (the `jwks_uri` may move).
        public var metadataRefreshInterval: Duration = .seconds(3600)
        /// Origins (`https://keys.example.com`) besides the metadata document's own that a
        /// discovered `jwks_uri` may point to. A `jwks_uri` must be https, except on a loopback host.
        public var allowedJWKSOrigins: [String] = []
        /// The algorithm assumed for a published key without `alg`, by its `kty` (e.g. `["RSA": .rs256]`).
        /// Empty (the default) skips such keys. For issuers whose metadata names the one algorithm
        /// they sign with (OpenID Connect `id_token_signing_alg_values_supported`); only
        /// algorithms in ``allowedAlgorithms`` are assumed.
        public var defaultKeyAlgorithms: [String: SigningAlgorithm] = [:]
        /// For ``RemoteTokenVerifier/verifySignature(_:)`` only: a token without `kid` is checked
        /// with the issuer's key when the set holds exactly one key (OpenID Connect Core §10.1
        /// requires a `kid` only when the set has several). Off by default.
        public var allowsKeylessTokenWithSingleKey: Bool = false

        /// Every asymmetric algorithm FastAuth supports: the default allowlist.
        public static let asymmetricAlgorithms: Set<SigningAlgorithm> = Set(
            SigningAlgorithm.supported.filter { !$0.isSymmetric })

        /// Creates a configuration reading keys from `keySource`.
        public init(
            keySource: KeySource, issuer: String?, audience: [String] = [],
            allowedAlgorithms: Set<SigningAlgorithm> = Self.asymmetricAlgorithms, leeway: Duration = .seconds(30),
            cacheMinAge: Duration = .seconds(60), cacheMaxAge: Duration = .seconds(86_400),
            defaultCacheAge: Duration = .seconds(300), unknownKeyIDCooldown: Duration = .seconds(30),
            retryInterval: Duration = .seconds(10), fetchTimeout: Duration = .seconds(5),
            maxResponseBytes: Int = 256 * 1024, clock: any WallClock = SystemClock()
        ) {
            self.keySource = keySource
            self.issuer = issuer
            self.audience = audience
            self.allowedAlgorithms = allowedAlgorithms
            self.leeway = leeway
            self.cacheMinAge = cacheMinAge
            self.cacheMaxAge = cacheMaxAge
            self.defaultCacheAge = defaultCacheAge
            self.unknownKeyIDCooldown = unknownKeyIDCooldown
            self.retryInterval = retryInterval
            self.fetchTimeout = fetchTimeout
            self.maxResponseBytes = maxResponseBytes
            self.clock = clock
        }

        /// Creates a configuration reading the JWKS at `jwksURL`.
        public init(
            jwksURL: URL, issuer: String?, audience: [String] = [],
            allowedAlgorithms: Set<SigningAlgorithm> = Self.asymmetricAlgorithms, clock: any WallClock = SystemClock()
        ) {
            self.init(
                keySource: .jwks(jwksURL), issuer: issuer, audience: audience, allowedAlgorithms: allowedAlgorithms,
                clock: clock)
        }

        /// Creates a configuration that discovers the JWKS through the RFC 8414 metadata at
        /// `discoveryURL` (the document, or the issuer it belongs to).
        public init(
            discoveryURL: URL, issuer: String?, audience: [String] = [],
            allowedAlgorithms: Set<SigningAlgorithm> = Self.asymmetricAlgorithms, clock: any WallClock = SystemClock()
        ) {
            self.init(
                keySource: .discovery(discoveryURL), issuer: issuer, audience: audience,
                allowedAlgorithms: allowedAlgorithms, clock: clock)
        }

        /// The token checks this configuration implies (HMAC and unknown algorithms removed).
        var policy: VerificationPolicy {
            VerificationPolicy(
                allowedAlgorithms: allowedAlgorithms.filter { $0.family != nil && !$0.isSymmetric }, issuer: issuer,
                audience: audience, leeway: leeway)
        }

        /// The caching rules this configuration implies.
        var cachePolicy: KeyCache.Policy {
            let minimum = max(cacheMinAge, .zero)
            return KeyCache.Policy(
                lifetime: CacheLifetime(
                    minimum: minimum, maximum: max(cacheMaxAge, minimum), fallback: defaultCacheAge),
                unknownKeyIDCooldown: unknownKeyIDCooldown, retryInterval: retryInterval, maxStale: maxStale)
        }
    }
}
