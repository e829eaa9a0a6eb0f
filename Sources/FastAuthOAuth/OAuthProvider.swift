public import FastAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A social sign-in provider: Google, GitHub, or any OpenID Connect provider found by discovery.
public struct OAuthProvider: Sendable, Hashable {
    /// How the provider is spoken to.
    public enum Kind: Sendable, Hashable {
        /// OpenID Connect: endpoints from `{issuer}/.well-known/openid-configuration`, identity
        /// from the verified ID token.
        case oidc(issuer: String)
        /// GitHub's OAuth 2.0 plus its REST API (no ID token).
        case github(GitHubEndpoints)
    }

    /// GitHub's addresses; overridable for tests and GitHub Enterprise.
    public struct GitHubEndpoints: Sendable, Hashable {
        /// The authorization page.
        public var authorize: URL
        /// The token endpoint.
        public var token: URL
        /// The REST API base (`/user`, `/user/emails` are appended).
        public var api: URL

        /// github.com's endpoints.
        public static let github = Self(
            authorize: URL(string: "https://github.com/login/oauth/authorize")!,
            token: URL(string: "https://github.com/login/oauth/access_token")!,
            api: URL(string: "https://api.github.com")!)

        /// Creates endpoints.
        public init(authorize: URL, token: URL, api: URL) {
            self.authorize = authorize
            self.token = token
            self.api = api
        }
    }

    /// The lower-case identifier in routes and stored links: `google`, `github`, or the name.
    public let id: String
    /// The protocol and where to find the provider.
    public let kind: Kind
    /// The client id registered with the provider.
    public let clientID: String
    /// The client secret registered with the provider.
    public let clientSecret: String
    /// The scopes asked for.
    public var scopes: [String]

    /// Creates a provider. Prefer ``google(clientID:clientSecret:)``, ``github(clientID:clientSecret:endpoints:)``
    /// and ``oidc(name:issuer:clientID:clientSecret:)``.
    public init(id: String, kind: Kind, clientID: String, clientSecret: String, scopes: [String]) {
        self.id = id.lowercased()
        self.kind = kind
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scopes = scopes
    }

    /// The scopes of an OpenID Connect sign-in.
    public static let oidcScopes = ["openid", "email", "profile"]
    /// The scopes of a GitHub sign-in.
    public static let githubScopes = ["read:user", "user:email"]

    /// Google, by OpenID Connect (issuer `https://accounts.google.com`).
    public static func google(clientID: String, clientSecret: String) -> Self {
        Self(
            id: "google", kind: .oidc(issuer: "https://accounts.google.com"), clientID: clientID,
            clientSecret: clientSecret, scopes: oidcScopes)
    }

    /// GitHub (OAuth 2.0 and the REST API).
    public static func github(clientID: String, clientSecret: String, endpoints: GitHubEndpoints = .github) -> Self {
        Self(
            id: "github", kind: .github(endpoints), clientID: clientID, clientSecret: clientSecret, scopes: githubScopes
        )
    }

    /// Any OpenID Connect provider, by its issuer (discovery). `name` becomes the lower-case ``id``.
    public static func oidc(name: String, issuer: String, clientID: String, clientSecret: String) -> Self {
        Self(id: name, kind: .oidc(issuer: issuer), clientID: clientID, clientSecret: clientSecret, scopes: oidcScopes)
    }

    /// What is wrong with this provider's configuration, one sentence each (empty when
    /// nothing): an id that is not `[a-z0-9_-]`, a missing client id or secret, an issuer or
    /// endpoint that is not https (http only on loopback).
    public var configurationProblems: [String] {
        var problems: [String] = []
        let validID =
            !id.isEmpty && id.utf8.count <= 64
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
        if !validID {
            problems.append("OAuth provider id \"\(id.prefix(64))\" must be lower-case letters, digits, - or _")
        }
        if clientID.isEmpty { problems.append("OAuth provider \"\(id)\" has no client id") }
        if clientSecret.isEmpty { problems.append("OAuth provider \"\(id)\" has no client secret") }
        switch kind {
        case .oidc(let issuer):
            if OIDCProviderMetadata.discoveryURL(for: issuer).map(OAuthHTTP.isSecureEndpoint) != true {
                problems.append(
                    "OAuth provider \"\(id)\": the issuer must be an https URL, not \"\(issuer.prefix(80))\"")
            }
        case .github(let endpoints):
            for url in [endpoints.authorize, endpoints.token, endpoints.api] where !OAuthHTTP.isSecureEndpoint(url) {
                problems.append("OAuth provider \"\(id)\": \(url.absoluteString.prefix(80)) must be https")
            }
        }
        return problems
    }

    /// `true` for OpenID Connect providers.
    public var isOIDC: Bool { if case .oidc = kind { true } else { false } }
}

/// Who signed in at a provider (the core's ``ProviderIdentity``).
public typealias OAuthIdentity = ProviderIdentity
