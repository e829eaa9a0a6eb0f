import FastAuth
import FastAuthOAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The social sign-in routes, wire-compatible with FastAuth 0.5.8 (docs/HTTP-API.md, "Social
/// sign-in"), with the flow bound to the browser that started it (the `fastauth_oauth` cookie).
enum SocialRoute: CaseIterable {
    case authorize, callback, link, linkCallback, accounts, unlink

    var spec: RouteSpec {
        switch self {
        case .authorize:
            RouteSpec(
                method: .GET, path: ["oauth", ":provider", "authorize"],
                summary: "Start a social sign-in: the provider's URL (302 with ?mode=redirect)", requiresAuth: false)
        case .callback:
            RouteSpec(
                method: .GET, path: ["oauth", ":provider", "callback"],
                summary: "The provider's redirect: sign in (token pair, or 302 to the flow's redirect_uri)",
                requiresAuth: false)
        case .link:
            RouteSpec(
                method: .GET, path: ["oauth", ":provider", "link"],
                summary: "Start linking a provider account to the caller", requiresAuth: true)
        case .linkCallback:
            RouteSpec(
                method: .GET, path: ["oauth", ":provider", "link", "callback"],
                summary: "The provider's redirect: link the account to the user who started the flow",
                requiresAuth: false)
        case .accounts:
            RouteSpec(
                method: .GET, path: ["oauth", "accounts"], summary: "The caller's linked provider accounts",
                requiresAuth: true)
        case .unlink:
            RouteSpec(
                method: .DELETE, path: ["oauth", "accounts", ":provider"],
                summary: "Unlink a provider account (409 when it is the last way to sign in)", requiresAuth: true)
        }
    }

}

extension AuthRoutes {
    func route(_ route: SocialRoute, base: [String]) -> AuthRoute {
        AuthRoute(route.spec, base: base) { request in
            switch route {
            case .authorize: try await self.startFlow(request, purpose: .signIn)
            case .callback: try await self.finishFlow(request, purpose: .signIn)
            case .link: try await self.startFlow(request, purpose: .link)
            case .linkCallback: try await self.finishFlow(request, purpose: .link)
            case .accounts: try await self.linkedAccounts(request)
            case .unlink: try await self.unlinkAccount(request)
            }
        }
    }

    private var social: SocialSignIn? { socialSignIn }

    private func providerParameter(_ request: some AuthHTTPRequest) -> String { request.parameter("provider") ?? "" }

    private static func query(_ request: some AuthHTTPRequest, _ name: String) -> String? {
        request.query(name).flatMap { $0.utf8.count <= 4096 ? $0 : nil }
    }

    private func startFlow(_ request: any AuthHTTPRequest, purpose: OAuthFlowPurpose) async throws -> AuthHTTPResponse {
        let id = providerParameter(request)
        let userID = purpose == .link ? try await authentication.authenticate(request).user.id : nil
        guard let social else { throw AuthError(.providerNotFound, "OAuth provider '\(id.prefix(64))' not found") }
        let cookieName = auth.config.social.bindingCookieName
        let authorization = try await social.authorize(
            provider: id, purpose: purpose, userID: userID, redirectURI: Self.query(request, "redirect_uri"),
            binding: request.cookie(cookieName), context: context(request))
        var response: AuthHTTPResponse
        if Self.query(request, "mode") == "redirect" {
            response = AuthHTTPResponse(
                status: 302, headers: [("Location", authorization.url.absoluteString), ("Cache-Control", "no-store")])
        } else {
            response = JSONResponse.make(
                200, ["url": .string(authorization.url.absoluteString)], headers: [("Cache-Control", "no-store")])
        }
        response.setCookie(
            cookies.value(
                cookieName, authorization.binding, maxAge: Int(auth.config.social.flowTTL.components.seconds),
                path: auth.config.routePrefix + "/oauth", httpOnly: true))
        return response
    }

    private func finishFlow(_ request: any AuthHTTPRequest, purpose: OAuthFlowPurpose) async throws -> AuthHTTPResponse
    {
        let id = providerParameter(request)
        guard let social else { throw AuthError(.providerNotFound, "OAuth provider '\(id.prefix(64))' not found") }
        let completion = try await social.callback(
            provider: id, purpose: purpose, code: Self.query(request, "code"), state: Self.query(request, "state"),
            providerError: Self.query(request, "error"),
            binding: request.cookie(auth.config.social.bindingCookieName), context: context(request))
        switch completion.outcome {
        case .signedIn(let signIn):
            guard let redirect = completion.redirectURI else {
                return cookies.tokenResponse(signIn.tokens, status: 200)
            }
            // The browser goes on to the app: the tokens travel as HttpOnly cookies, never in the URL.
            var response = AuthHTTPResponse(
                status: 302, headers: [("Location", redirect), ("Cache-Control", "no-store")])
            cookies.setTokenCookies(signIn.tokens, on: &response)
            return response
        case .linked(let link):
            if let redirect = completion.redirectURI {
                return AuthHTTPResponse(status: 302, headers: [("Location", redirect)])
            }
            return JSONResponse.make(
                200, ["message": .string("\(Self.capitalized(link.provider)) account linked successfully")])
        }
    }

    /// Python's `str.capitalize()`: the first letter upper-case, the rest lower-case.
    private static func capitalized(_ word: String) -> String {
        word.prefix(1).uppercased() + word.dropFirst().lowercased()
    }

    private func linkedAccounts(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let links = try await auth.providerAccounts(of: principal)
        let items: [JSONValue] = links.map { link in
            [
                "provider": .string(link.provider), "provider_account_id": .string(link.providerAccountID),
                "email": link.email.map(JSONValue.string) ?? .null,
                "created_at": .string(link.createdAt.formatted(.iso8601)),
            ]
        }
        return JSONResponse.make(200, .array(items))
    }

    private func unlinkAccount(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        try await auth.unlinkProvider(providerParameter(request), of: principal, context: context(request))
        return JSONResponse.make(200, ["message": "Account unlinked"])
    }
}
