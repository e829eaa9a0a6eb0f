import FastAuth
import FastAuthOAuth
import Foundation

/// The social sign-in providers of `FASTAUTH_OAUTH_*` (Google and GitHub by client
/// credentials, any OpenID Connect provider as `FASTAUTH_OAUTH_OIDC_<NAME>_ISSUER` +
/// `_CLIENT_ID` + `_CLIENT_SECRET`). Client secrets are read from the environment only: a
/// flag would put them in every process listing.
enum SocialSettings {
    /// The fixed variable names (the generic providers' names are the operator's).
    static let variables = [
        "FASTAUTH_OAUTH_GOOGLE_CLIENT_ID", "FASTAUTH_OAUTH_GOOGLE_CLIENT_SECRET", "FASTAUTH_OAUTH_GITHUB_CLIENT_ID",
        "FASTAUTH_OAUTH_GITHUB_CLIENT_SECRET", "FASTAUTH_OAUTH_GITHUB_URL", "FASTAUTH_OAUTH_GITHUB_API_URL",
        "FASTAUTH_OAUTH_REDIRECT_URIS",
    ]
    static let oidcPrefix = "FASTAUTH_OAUTH_OIDC_"

    /// The configured providers, in a stable order (google, github, then generic ones by name);
    /// every problem is appended to `problems`.
    static func providers(environment: [String: String], problems: inout [String]) -> [OAuthProvider] {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else { return nil }
            return raw
        }
        func credentials(_ prefix: String) -> (id: String, secret: String)? {
            let id = value(prefix + "_CLIENT_ID")
            let secret = value(prefix + "_CLIENT_SECRET")
            switch (id, secret) {
            case (let id?, let secret?): return (id, secret)
            case (nil, nil): return nil
            case (nil, _): problems.append("\(prefix)_CLIENT_SECRET is set without \(prefix)_CLIENT_ID")
            case (_, nil): problems.append("\(prefix)_CLIENT_ID is set without \(prefix)_CLIENT_SECRET")
            }
            return nil
        }
        var providers: [OAuthProvider] = []
        if let google = credentials("FASTAUTH_OAUTH_GOOGLE") {
            providers.append(.google(clientID: google.id, clientSecret: google.secret))
        }
        if let github = credentials("FASTAUTH_OAUTH_GITHUB") {
            var endpoints = OAuthProvider.GitHubEndpoints.github
            // GitHub Enterprise Server: the web base and its API (`https://HOST/api/v3`).
            if let web = value("FASTAUTH_OAUTH_GITHUB_URL") {
                if let base = url(web, "FASTAUTH_OAUTH_GITHUB_URL", &problems),
                    let authorize = URL(string: base + "/login/oauth/authorize"),
                    let token = URL(string: base + "/login/oauth/access_token")
                {
                    endpoints.authorize = authorize
                    endpoints.token = token
                    endpoints.api = URL(string: base + "/api/v3") ?? endpoints.api
                }
            }
            if let api = value("FASTAUTH_OAUTH_GITHUB_API_URL") {
                if let base = url(api, "FASTAUTH_OAUTH_GITHUB_API_URL", &problems), let parsed = URL(string: base) {
                    endpoints.api = parsed
                }
            }
            providers.append(.github(clientID: github.id, clientSecret: github.secret, endpoints: endpoints))
        }
        let names = Set(
            environment.keys.filter { $0.hasPrefix(oidcPrefix) }.compactMap { key -> String? in
                let rest = key.dropFirst(oidcPrefix.count)
                for suffix in ["_ISSUER", "_CLIENT_ID", "_CLIENT_SECRET"] where rest.hasSuffix(suffix) {
                    return String(rest.dropLast(suffix.count))
                }
                problems.append("\(key) is not one of \(oidcPrefix)<NAME>_ISSUER, _CLIENT_ID or _CLIENT_SECRET")
                return nil
            })
        for name in names.sorted() {
            let prefix = oidcPrefix + name
            let issuer = value(prefix + "_ISSUER")
            let pair = credentials(prefix)
            guard let issuer, let pair else {
                if issuer == nil {
                    problems.append("\(prefix)_ISSUER is required with \(prefix)_CLIENT_ID and _CLIENT_SECRET")
                }
                continue
            }
            if ["google", "github"].contains(name.lowercased()) {
                problems.append("\(prefix)_*: the name \(name) is taken by the built-in provider; choose another")
                continue
            }
            providers.append(
                .oidc(name: name.lowercased(), issuer: issuer, clientID: pair.id, clientSecret: pair.secret))
        }
        for provider in providers { problems += provider.configurationProblems }
        return providers
    }

    /// `raw` without trailing slashes, when it is an http(s) URL.
    private static func url(_ raw: String, _ name: String, _ problems: inout [String]) -> String? {
        var base = raw
        while base.hasSuffix("/") { base.removeLast() }
        guard let parsed = URL(string: base), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""),
            parsed.host != nil
        else {
            problems.append("\(name) must be an absolute http(s) URL, not \"\(raw.prefix(80))\"")
            return nil
        }
        return base
    }
}
