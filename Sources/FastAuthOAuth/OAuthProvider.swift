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
        Self(id: "github", kind: .github(endpoints), clientID: clientID, clientSecret: clientSecret, scopes: githubScopes)
    }

    /// Any OpenID Connect provider, by its issuer (discovery). `name` becomes the lower-case ``id``.
    public static func oidc(name: String, issuer: String, clientID: String, clientSecret: String) -> Self {
        Self(id: name, kind: .oidc(issuer: issuer), clientID: clientID, clientSecret: clientSecret, scopes: oidcScopes)
    }

    /// `true` for OpenID Connect providers.
    public var isOIDC: Bool { if case .oidc = kind { true } else { false } }
}

/// Who signed in at a provider.
public struct OAuthIdentity: Sendable, Hashable {
    /// The provider's ``OAuthProvider/id``.
    public let provider: String
    /// The provider's stable user id: OIDC `sub`, GitHub's numeric id as a string.
    public let subject: String
    /// OIDC: the `iss` (the identity is (`issuer`, `subject`)); GitHub: the API base URL.
    public let issuer: String
    /// The email, when the provider gave one (GitHub: only a primary, verified one).
    public let email: String?
    /// `true` only when the provider says the email is verified.
    public let emailVerified: Bool
    /// The display name.
    public let name: String?
    /// The picture / avatar URL.
    public let picture: String?

    /// Creates an identity.
    public init(
        provider: String, subject: String, issuer: String, email: String?, emailVerified: Bool, name: String?,
        picture: String?
    ) {
        self.provider = provider
        self.subject = subject
        self.issuer = issuer
        self.email = email
        self.emailVerified = emailVerified
        self.name = name
        self.picture = picture
    }
}
