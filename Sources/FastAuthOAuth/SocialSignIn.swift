public import FastAuth
public import Logging

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Social sign-in for an ``AuthService``: the configured providers, the OAuth client that talks
/// to them, and the two halves of every flow — ``authorize(provider:purpose:userID:redirectURI:binding:context:)``
/// and ``callback(provider:purpose:code:state:providerError:binding:context:)``. The HTTP
/// adapters map the routes onto these; the account rules are the core's
/// (``AuthService/signIn(with:context:)``, ``AuthService/link(_:to:context:)``).
public struct SocialSignIn: Sendable {
    /// Where a browser is sent to sign in, and the binding cookie to set with it.
    public struct Authorization: Sendable, Hashable {
        /// The provider's authorization URL.
        public let url: URL
        /// The value of the binding cookie (``SocialConfig/bindingCookieName``).
        public let binding: String
    }

    /// What a callback did.
    public enum Outcome: Sendable {
        /// A sign-in: the session and its token pair.
        case signedIn(SignIn)
        /// A link to the user who started the flow.
        case linked(ProviderAccountRecord)
    }

    /// A completed callback: what it did, and where the flow asked the browser to go next.
    public struct Completion: Sendable {
        public let outcome: Outcome
        /// The allowlisted `redirect_uri` the flow was started with, if any.
        public let redirectURI: String?
    }

    public let auth: AuthService
    public let client: OAuthClient
    /// The providers, in the order configured.
    public let providers: [OAuthProvider]
    private let logger: Logger

    /// Creates social sign-in over `providers`.
    ///
    /// - Throws: ``ConfigurationError`` when two providers share an id, an id is not
    ///   `[a-z0-9_-]`, a provider has no client id or secret, or no `redirect_uri` is allowed
    ///   while providers are configured (an app that wants tokens in the callback's JSON can
    ///   still start flows without one).
    public init(
        auth: AuthService, providers: [OAuthProvider], client: OAuthClient = OAuthClient(),
        logger: Logger = Logger(label: "fastauth.oauth")
    ) throws(ConfigurationError) {
        var problems: [String] = []
        var seen: Set<String> = []
        for provider in providers {
            problems += provider.configurationProblems
            if !seen.insert(provider.id).inserted {
                problems.append("OAuth provider \"\(provider.id)\" is configured twice")
            }
        }
        if !providers.isEmpty && auth.config.social.redirectURIs.isEmpty {
            problems.append(
                "social sign-in needs the allowlist of redirect URIs (FASTAUTH_OAUTH_REDIRECT_URIS / SocialConfig.redirectURIs)"
            )
        }
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        self.auth = auth
        self.client = client
        self.providers = providers
        self.logger = logger
    }

    /// The configured provider with `id`.
    public func provider(_ id: String) -> OAuthProvider? { providers.first { $0.id == id } }

    /// The redirect URI registered with the provider: `<public URL><prefix>/oauth/{id}/callback`
    /// (or `/link/callback`).
    public func callbackURI(for provider: OAuthProvider, purpose: OAuthFlowPurpose) -> String {
        auth.config.linkBaseURL + auth.config.routePrefix + "/oauth/\(provider.id)/"
            + (purpose == .link ? "link/callback" : "callback")
    }

    /// Starts a flow: the provider's URL (with `state`, PKCE S256, and a `nonce` for OpenID
    /// Connect) and the binding cookie. A link flow needs the signed-in `userID`.
    public func authorize(
        provider id: String, purpose: OAuthFlowPurpose, userID: UserID?, redirectURI: String?, binding: String?,
        context: RequestOrigin
    ) async throws(AuthError) -> Authorization {
        let provider = try known(id)
        let start: OAuthFlowStart
        do {
            start = try await client.start(provider, redirectURI: callbackURI(for: provider, purpose: purpose))
        } catch {
            throw refusal(error, provider: provider, context: context)
        }
        let binding = try await auth.beginSocialFlow(
            provider: provider.id, purpose: purpose, userID: purpose == .link ? userID : nil, state: start.values.state,
            codeVerifier: start.values.codeVerifier, nonce: start.values.nonce, redirectURI: redirectURI,
            binding: binding, context: context)
        return Authorization(url: start.url, binding: binding)
    }

    /// Completes a flow: consumes its `state` (bound to this browser), exchanges the `code`,
    /// verifies who signed in, and signs them in or links them. `providerError` is the
    /// callback's `error` parameter: the flow is used up and the sign-in refused (the
    /// provider's words are logged, never returned).
    public func callback(
        provider id: String, purpose: OAuthFlowPurpose, code: String?, state: String?, providerError: String?,
        binding: String?, context: RequestOrigin
    ) async throws(AuthError) -> Completion {
        let provider = try known(id)
        let flow = try await auth.completeSocialFlow(
            provider: provider.id, purpose: purpose, state: state, binding: binding, context: context)
        if let providerError {
            logger.notice(
                "oauth: the provider refused the sign-in",
                metadata: ["provider": "\(provider.id)", "error": "\(providerError.prefix(64))"])
            throw AuthError(.providerError, "The sign-in was cancelled or refused at \(provider.id)")
        }
        guard let code, !code.isEmpty else {
            throw AuthError(.providerError, "The provider sent no authorization code")
        }
        let identity: OAuthIdentity
        do {
            identity = try await client.finish(
                provider, code: code,
                flow: OAuthFlowValues(state: state ?? "", codeVerifier: flow.codeVerifier, nonce: flow.nonce),
                redirectURI: callbackURI(for: provider, purpose: purpose))
        } catch {
            throw refusal(error, provider: provider, context: context)
        }
        guard !identity.subject.isEmpty, identity.subject.utf8.count <= 255 else {
            throw AuthError(.providerError, "The provider's answer could not be verified")
        }
        switch purpose {
        case .signIn:
            return Completion(
                outcome: .signedIn(try await auth.signIn(with: identity, context: context)),
                redirectURI: flow.redirectURI)
        case .link:
            guard let userID = flow.userID else { throw AuthError(.invalidState, "Invalid or expired link state") }
            let link = try await auth.link(identity, to: userID, context: context)
            return Completion(outcome: .linked(link), redirectURI: flow.redirectURI)
        }
    }

    private func known(_ id: String) throws(AuthError) -> OAuthProvider {
        guard let provider = provider(id.lowercased()) else {
            throw AuthError(.providerNotFound, "OAuth provider '\(id.prefix(64))' not found")
        }
        return provider
    }

    /// The client-facing refusal for a provider failure; the details go to the log only.
    private func refusal(_ error: OAuthError, provider: OAuthProvider, context: RequestOrigin) -> AuthError {
        logger.warning(
            "oauth: \(provider.id) sign-in failed",
            metadata: ["error": "\(error)", "request_id": "\(context.requestID)", "client": "\(context.clientAddress)"])
        switch error.code {
        case .providerUnavailable, .invalidProviderMetadata:
            return AuthError(.providerUnavailable, "The sign-in provider could not be reached; try again later")
        case .emailUnverified:
            return AuthError(
                .providerEmailUnverified, "\(provider.id) did not confirm an email address for this account")
        case .invalidIDToken:
            return AuthError(.providerError, "The provider's ID token could not be verified")
        default:
            return AuthError(.providerError, "The provider refused the sign-in")
        }
    }
}
