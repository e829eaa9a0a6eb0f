public import AsyncHTTPClient
public import FastAuth
import FastAuthVerifier
public import Logging
import NIOHTTP1
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The client side of social sign-in: builds the authorization URL of a flow
/// (``start(_:redirectURI:)``) and turns the callback's `code` into a verified
/// ``OAuthIdentity`` (``finish(_:code:flow:redirectURI:)``).
///
/// OpenID Connect providers are discovered (cached), their ID tokens verified with a
/// ``FastAuthVerifier/RemoteTokenVerifier`` per provider (its JWKS cache, unknown-`kid`
/// cooldown and algorithm pinning) and then checked by the ID token rules. GitHub is read from
/// its REST API. Storing the flow (by ``OAuthFlowValues/stateHash``) is the caller's job.
public final class OAuthClient: Sendable {
    /// Limits and time.
    public struct Configuration: Sendable {
        /// The longest a provider request (discovery, token, API) may take.
        public var timeout: Duration = .seconds(10)
        /// The largest provider response accepted.
        public var maxResponseBytes: Int = 512 * 1024
        /// Clock skew allowed on `exp`, `iat` and `nbf`.
        public var leeway: Duration = .seconds(60)
        /// An ID token issued longer ago than this is refused (it was just minted by the exchange).
        public var maxIDTokenAge: Duration = .seconds(600)
        /// How long a discovery document is reused.
        public var discoveryCacheDuration: Duration = .seconds(3600)
        /// The `User-Agent` of API requests (GitHub requires one).
        public var userAgent: String = "FastAuth"
        /// The source of "now".
        public var clock: any WallClock = SystemClock()

        /// Creates the default configuration.
        public init() {}
    }

    private struct VerifierKey: Hashable {
        var issuer: String
        var jwksURI: URL
        var clientID: String
        var algorithms: Set<SigningAlgorithm>
    }

    private struct Cache {
        var metadata: [String: (OIDCProviderMetadata, fetchedAt: Date)] = [:]
        var verifiers: [VerifierKey: RemoteTokenVerifier] = [:]
    }

    /// The configuration.
    public let configuration: Configuration
    private let http: OAuthHTTP
    private let jwksFetcher: HTTPJWKSFetcher
    private let cache = Mutex(Cache())

    /// Creates a client. `httpClient` should follow no redirects (the default one follows none).
    public init(
        configuration: Configuration = Configuration(), httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "fastauth.oauth")
    ) {
        self.configuration = configuration
        let client = httpClient ?? OAuthHTTP.nonRedirectingClient
        self.http = OAuthHTTP(
            client: client, timeout: configuration.timeout, maxBytes: configuration.maxResponseBytes, logger: logger)
        self.jwksFetcher = HTTPJWKSFetcher(client: client)
    }

    // MARK: Starting

    /// Starts a flow: fresh `state`, PKCE verifier (S256) and, for OpenID Connect, `nonce`, and
    /// the provider's authorization URL carrying them. Discovers an OIDC provider first.
    public func start(_ provider: OAuthProvider, redirectURI: String) async throws(OAuthError) -> OAuthFlowStart {
        try Self.checkRedirectURI(redirectURI)
        let values = OAuthFlowValues.generate(withNonce: provider.isOIDC)
        let endpoint: URL
        switch provider.kind {
        case .oidc(let issuer): endpoint = try await metadata(issuer: issuer).authorizationEndpoint
        case .github(let endpoints): endpoint = endpoints.authorize
        }
        return OAuthFlowStart(
            url: try Self.authorizationURL(endpoint, provider: provider, redirectURI: redirectURI, values: values),
            values: values)
    }

    /// The authorization URL of `values` at `endpoint`.
    static func authorizationURL(
        _ endpoint: URL, provider: OAuthProvider, redirectURI: String, values: OAuthFlowValues
    ) throws(OAuthError) -> URL {
        var parameters: [(String, String)] = [
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI),
            ("scope", provider.scopes.joined(separator: " ")), ("state", values.state),
            ("code_challenge", values.codeChallenge), ("code_challenge_method", "S256"),
        ]
        if let nonce = values.nonce { parameters.append(("nonce", nonce)) }
        let query = OAuthHTTP.formEncode(parameters)
        let base = endpoint.absoluteString
        let separator = endpoint.query == nil ? "?" : "&"
        guard let url = URL(string: base + separator + query) else {
            throw OAuthError(.invalidRequest, "the authorization URL could not be built")
        }
        return url
    }

    // MARK: Finishing

    /// Exchanges the callback's `code` (with the flow's PKCE verifier) and returns who signed
    /// in: for OpenID Connect from the verified ID token (nonce checked), for GitHub from its API.
    /// `redirectURI` must be the one given to ``start(_:redirectURI:)``.
    public func finish(
        _ provider: OAuthProvider, code: String, flow: OAuthFlowValues, redirectURI: String
    ) async throws(OAuthError) -> OAuthIdentity {
        try Self.checkRedirectURI(redirectURI)
        guard !code.isEmpty, code.utf8.count <= 2048 else {
            throw OAuthError(.invalidRequest, "the authorization code is missing or too long")
        }
        guard PKCE.isValidVerifier(flow.codeVerifier) else {
            throw OAuthError(.invalidRequest, "the flow's PKCE verifier is malformed")
        }
        switch provider.kind {
        case .oidc(let issuer):
            guard let nonce = flow.nonce else {
                throw OAuthError(.invalidRequest, "an OpenID Connect flow needs its nonce")
            }
            let metadata = try await metadata(issuer: issuer)
            let tokens = try await exchange(
                at: metadata.tokenEndpoint, provider: provider, code: code, flow: flow, redirectURI: redirectURI)
            guard let idToken = tokens["id_token"]?.stringValue else {
                throw OAuthError(.invalidIDToken, "the provider returned no ID token")
            }
            return try await verifyIDToken(idToken, provider: provider, metadata: metadata, nonce: nonce)
        case .github(let endpoints):
            let tokens = try await exchange(
                at: endpoints.token, provider: provider, code: code, flow: flow, redirectURI: redirectURI)
            guard let accessToken = tokens["access_token"]?.stringValue, !accessToken.isEmpty else {
                throw OAuthError(.exchangeFailed, "the provider returned no access token")
            }
            return try await gitHubIdentity(provider: provider, endpoints: endpoints, accessToken: accessToken)
        }
    }

    /// The token request (RFC 6749 §4.1.3, client_secret_post, PKCE): its JSON object.
    private func exchange(
        at endpoint: URL, provider: OAuthProvider, code: String, flow: OAuthFlowValues, redirectURI: String
    ) async throws(OAuthError) -> [String: JSONValue] {
        let response = try await http.send(
            .POST, endpoint, headers: [("Accept", "application/json"), ("User-Agent", configuration.userAgent)],
            form: [
                ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                ("client_id", provider.clientID), ("client_secret", provider.clientSecret),
                ("code_verifier", flow.codeVerifier),
            ], what: "token")
        let object = (try? JSONValue(parsing: response.body))?.objectValue
        switch response.status {
        case 200..<300:
            // GitHub answers errors with 200 and an `error` member.
            guard let object, object["error"] == nil else {
                http.logRefusal("token", response)
                throw OAuthError(.exchangeFailed, "the provider refused the authorization code")
            }
            return object
        case 400..<500:
            http.logRefusal("token", response)
            throw OAuthError(.exchangeFailed, "the provider refused the authorization code")
        default:
            http.logRefusal("token", response)
            throw OAuthError(.providerUnavailable, "the provider's token endpoint answered HTTP \(response.status)")
        }
    }

    // MARK: OpenID Connect

    /// The validated discovery document of `issuer`, from the cache while it is fresh.
    public func metadata(issuer: String) async throws(OAuthError) -> OIDCProviderMetadata {
        let now = configuration.clock.now()
        let maxAge = Double(configuration.discoveryCacheDuration.components.seconds)
        if let entry = cache.withLock({ $0.metadata[issuer] }),
            now.timeIntervalSince(entry.fetchedAt) < maxAge, now >= entry.fetchedAt
        {
            return entry.0
        }
        guard let url = OIDCProviderMetadata.discoveryURL(for: issuer), OAuthHTTP.isSecureEndpoint(url) else {
            throw OAuthError(.invalidProviderMetadata, "the issuer is not an https URL")
        }
        let response = try await http.send(
            .GET, url, headers: [("Accept", "application/json"), ("User-Agent", configuration.userAgent)],
            what: "discovery")
        guard response.status == 200 else {
            http.logRefusal("discovery", response)
            throw OAuthError(.providerUnavailable, "the provider's discovery document answered HTTP \(response.status)")
        }
        let metadata = try OIDCProviderMetadata.parse(response.body, expectedIssuer: issuer)
        cache.withLock { $0.metadata[issuer] = (metadata, now) }
        return metadata
    }

    /// Verifies an ID token of `provider` for the flow's `nonce` (discovering the provider if
    /// needed) and returns its identity. `finish` calls this; it is public for callers holding
    /// an ID token by other means and for tests.
    public func verifyIDToken(
        _ idToken: String, provider: OAuthProvider, nonce: String
    ) async throws(OAuthError) -> OAuthIdentity {
        guard case .oidc(let issuer) = provider.kind else {
            throw OAuthError(.invalidRequest, "\(provider.id) is not an OpenID Connect provider")
        }
        return try await verifyIDToken(
            idToken, provider: provider, metadata: try await metadata(issuer: issuer), nonce: nonce)
    }

    private func verifyIDToken(
        _ idToken: String, provider: OAuthProvider, metadata: OIDCProviderMetadata, nonce: String
    ) async throws(OAuthError) -> OAuthIdentity {
        let verifier = verifier(for: metadata, clientID: provider.clientID)
        let signed: RemoteTokenVerifier.VerifiedSignature
        do {
            signed = try await verifier.verifySignature(idToken)
        } catch  where error.code == .invalidToken {
            throw OAuthError(.invalidIDToken, "the ID token was refused: \(error.tokenError?.code.name ?? "invalid")")
        } catch {
            http.logger.warning(
                "OIDC keys unavailable", metadata: ["issuer": "\(metadata.issuer)", "error": "\(error)"])
            throw OAuthError(.providerUnavailable, "the provider's signing keys could not be loaded")
        }
        let claims = try IDTokenClaims.check(
            signed.payload,
            .init(
                issuer: metadata.issuer, clientID: provider.clientID, nonce: nonce, now: configuration.clock.now(),
                leeway: configuration.leeway, maxAge: configuration.maxIDTokenAge))
        let email = claims["email"]?.stringValue
        return OAuthIdentity(
            provider: provider.id, subject: claims["sub"]?.stringValue ?? "", issuer: metadata.issuer, email: email,
            emailVerified: email != nil && IDTokenClaims.isTrue(claims["email_verified"]),
            name: claims["name"]?.stringValue, picture: claims["picture"]?.stringValue)
    }

    /// One verifier per (issuer, JWKS, client, algorithms), so its key cache is shared by sign-ins.
    private func verifier(for metadata: OIDCProviderMetadata, clientID: String) -> RemoteTokenVerifier {
        let key = VerifierKey(
            issuer: metadata.issuer, jwksURI: metadata.jwksURI, clientID: clientID,
            algorithms: metadata.idTokenSigningAlgorithms)
        return cache.withLock { cache in
            if let existing = cache.verifiers[key] { return existing }
            var configuration = RemoteTokenVerifier.Configuration(
                keySource: .jwks(metadata.jwksURI), issuer: metadata.issuer, audience: [clientID],
                allowedAlgorithms: metadata.idTokenSigningAlgorithms, leeway: self.configuration.leeway,
                fetchTimeout: self.configuration.timeout, maxResponseBytes: self.configuration.maxResponseBytes,
                clock: self.configuration.clock)
            configuration.allowsKeylessTokenWithSingleKey = true
            configuration.defaultKeyAlgorithms = Self.defaultKeyAlgorithms(metadata.idTokenSigningAlgorithms)
            let verifier = RemoteTokenVerifier(configuration: configuration, fetcher: jwksFetcher)
            cache.verifiers[key] = verifier
            return verifier
        }
    }

    /// The algorithm of a key published without `alg`: the provider's only algorithm of that
    /// key type, if it names exactly one (OIDC Core §10.1.1 lets JWKs omit `alg`).
    static func defaultKeyAlgorithms(_ algorithms: Set<SigningAlgorithm>) -> [String: SigningAlgorithm] {
        var result: [String: SigningAlgorithm] = [:]
        let rsa = algorithms.filter { $0.rawValue.hasPrefix("RS") || $0.rawValue.hasPrefix("PS") }
        if rsa.count == 1, let only = rsa.first { result["RSA"] = only }
        if algorithms.contains(.eddsa) { result["OKP"] = .eddsa }
        return result
    }

    // MARK: GitHub

    private func gitHubIdentity(
        provider: OAuthProvider, endpoints: OAuthProvider.GitHubEndpoints, accessToken: String
    ) async throws(OAuthError) -> OAuthIdentity {
        let headers = [
            ("Authorization", "Bearer \(accessToken)"), ("Accept", "application/vnd.github+json"),
            ("X-GitHub-Api-Version", "2022-11-28"), ("User-Agent", configuration.userAgent),
        ]
        let user = try await http.send(
            .GET, endpoints.api.appendingPathComponent("user"), headers: headers, what: "GitHub user")
        guard user.status == 200, let profile = (try? JSONValue(parsing: user.body))?.objectValue else {
            http.logRefusal("GitHub user", user)
            throw OAuthError(.providerUnavailable, "GitHub's user API answered HTTP \(user.status)")
        }
        guard let id = profile["id"]?.intValue, id > 0 else {
            throw OAuthError(.providerUnavailable, "GitHub's user API returned no numeric id")
        }
        let emails = try await http.send(
            .GET, endpoints.api.appendingPathComponent("user").appendingPathComponent("emails"), headers: headers,
            what: "GitHub emails")
        var email: String?
        switch emails.status {
        case 200:
            guard let list = (try? JSONValue(parsing: emails.body))?.arrayValue else {
                throw OAuthError(.providerUnavailable, "GitHub's emails API returned no list")
            }
            email = Self.primaryVerifiedEmail(list)
        case 401, 403, 404:
            http.logRefusal("GitHub emails", emails)  // the scope was not granted: no email
        default:
            http.logRefusal("GitHub emails", emails)
            throw OAuthError(.providerUnavailable, "GitHub's emails API answered HTTP \(emails.status)")
        }
        return OAuthIdentity(
            provider: provider.id, subject: String(id), issuer: endpoints.api.absoluteString, email: email,
            emailVerified: email != nil, name: profile["name"]?.stringValue ?? profile["login"]?.stringValue,
            picture: profile["avatar_url"]?.stringValue)
    }

    /// The address GitHub marks both `primary` and `verified`, if any.
    package static func primaryVerifiedEmail(_ list: [JSONValue]) -> String? {
        for entry in list where entry["primary"]?.boolValue == true && entry["verified"]?.boolValue == true {
            if let address = entry["email"]?.stringValue, !address.isEmpty { return address }
        }
        return nil
    }

    // MARK: Helpers

    private static func checkRedirectURI(_ redirectURI: String) throws(OAuthError) {
        guard let url = URL(string: redirectURI), url.scheme != nil, url.host != nil, url.fragment == nil,
            redirectURI.utf8.count <= 2048
        else { throw OAuthError(.invalidRequest, "the redirect URI is not an absolute URL") }
    }
}

extension OAuthIdentity {
    /// The email, if the provider verified it; otherwise ``OAuthError/Code/emailUnverified``.
    public func requireVerifiedEmail() throws(OAuthError) -> String {
        guard emailVerified, let email else {
            throw OAuthError(.emailUnverified, "the provider did not give a verified email")
        }
        return email
    }
}
