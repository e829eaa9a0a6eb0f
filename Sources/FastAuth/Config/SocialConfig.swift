/// Social sign-in (OAuth 2.0 / OpenID Connect): where a browser may be sent afterwards, and how
/// long a started flow lives. The providers themselves are configured in `FastAuthOAuth`.
public struct SocialConfig: Sendable {
    /// The exact allowlist of `redirect_uri` values a sign-in may end at (compared byte for
    /// byte: no prefixes, no wildcards). A flow started without `redirect_uri` answers its
    /// callback with the token pair instead.
    public var redirectURIs: [String]
    /// How long a started flow (its `state`) can be completed.
    public var flowTTL: Duration
    /// Name of the cookie that binds a flow to the browser that started it.
    public var bindingCookieName: String

    public init(
        redirectURIs: [String] = [], flowTTL: Duration = .seconds(600), bindingCookieName: String = "fastauth_oauth"
    ) {
        self.redirectURIs = redirectURIs
        self.flowTTL = flowTTL
        self.bindingCookieName = bindingCookieName
    }

    /// `true` when `uri` is exactly one of ``redirectURIs``.
    public func allows(redirectURI uri: String) -> Bool { redirectURIs.contains(uri) }

    var problems: [String] {
        var problems: [String] = []
        for uri in redirectURIs where !Self.isRedirectURI(uri) {
            problems.append(
                "OAuth redirect URI must be an absolute http(s) URL without a fragment, not \"\(uri.prefix(80))\"")
        }
        if flowTTL <= .zero { problems.append("social flowTTL must be positive") }
        if bindingCookieName.isEmpty
            || !bindingCookieName.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && !";,= \"".utf8.contains($0) })
        {
            problems.append("social bindingCookieName must be a cookie name (printable ASCII, no separators)")
        }
        return problems
    }

    /// An absolute http(s) URL with a host and no fragment (a query is allowed).
    static func isRedirectURI(_ uri: String) -> Bool {
        let lower = uri.lowercased()
        guard
            let rest = lower.hasPrefix("https://")
                ? lower.dropFirst(8) : lower.hasPrefix("http://") ? lower.dropFirst(7) : nil
        else { return false }
        let host = rest.prefix { $0 != "/" && $0 != "?" }
        return !host.isEmpty && !uri.contains("#") && !uri.utf8.contains { $0 <= 0x20 || $0 >= 0x7F }
            && uri.utf8.count <= 2048
    }
}
