import ArgumentParser
import FastAuth
import FastAuthOAuth
import Foundation

/// `fastauth providers`: the social sign-in providers `serve` would configure from the same
/// `FASTAUTH_OAUTH_*` variables, the redirect URIs to register with each, and whether each
/// OpenID Connect provider's discovery document can be fetched and validated.
struct ProvidersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "providers",
        abstract: "List the social sign-in providers FASTAUTH_OAUTH_* configures, and check each is reachable.",
        discussion: """
            Reads the variables `serve` reads (FASTAUTH_OAUTH_*, FASTAUTH_PUBLIC_URL, FASTAUTH_ROUTE_PREFIX, \
            FASTAUTH_HOST, FASTAUTH_PORT) and prints, per provider, the callback URLs to register with it. \
            OpenID Connect providers (Google, FASTAUTH_OAUTH_OIDC_<NAME>_*) have their discovery document \
            fetched and validated; GitHub's endpoints are listed. Exits 1 when a configuration problem or \
            a failed check was found. Client secrets are never printed.
            """)

    @Flag(name: .customLong("no-check"), help: "List only; fetch no discovery document")
    var noCheck = false

    func run() async throws {
        let report = await Self.report(environment: ProcessInfo.processInfo.environment, check: !noCheck)
        print(report.text, terminator: "")
        if report.failed { throw ExitCode(1) }
    }

    /// The report's text and whether anything failed (tests call this).
    static func report(
        environment: [String: String], check: Bool, client: OAuthClient = OAuthClient()
    ) async -> (text: String, failed: Bool) {
        var problems: [String] = []
        let providers = SocialSettings.providers(environment: environment, problems: &problems)
        func value(_ name: String) -> String? {
            environment[name].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
        var base =
            value("FASTAUTH_PUBLIC_URL")
            ?? "http://\(value("FASTAUTH_HOST") ?? "127.0.0.1"):\(value("FASTAUTH_PORT") ?? "8000")"
        while base.hasSuffix("/") { base.removeLast() }
        let prefix = value("FASTAUTH_ROUTE_PREFIX") ?? "/auth"
        let redirects =
            value("FASTAUTH_OAUTH_REDIRECT_URIS")?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            ?? []
        var text = ""
        var failed = !problems.isEmpty
        for problem in problems { text += "problem: \(problem)\n" }
        if providers.isEmpty {
            text +=
                "No social sign-in provider is configured (set FASTAUTH_OAUTH_GOOGLE_CLIENT_ID and _CLIENT_SECRET, "
                + "FASTAUTH_OAUTH_GITHUB_*, or FASTAUTH_OAUTH_OIDC_<NAME>_ISSUER, _CLIENT_ID and _CLIENT_SECRET).\n"
            return (text, failed)
        }
        if redirects.isEmpty {
            text += "problem: FASTAUTH_OAUTH_REDIRECT_URIS is not set; serve refuses to start without it\n"
            failed = true
        } else {
            text += "Allowed redirect_uri values: \(redirects.joined(separator: ", "))\n"
        }
        for provider in providers {
            let kind: String
            switch provider.kind {
            case .oidc(let issuer): kind = "OpenID Connect, issuer \(issuer)"
            case .github(let endpoints):
                kind =
                    "GitHub OAuth, authorize \(endpoints.authorize.absoluteString), API \(endpoints.api.absoluteString)"
            }
            text += "\n\(provider.id): \(kind)\n"
            text += "  client id: \(provider.clientID)\n"
            text += "  register these redirect URIs with the provider:\n"
            text += "    \(base)\(prefix)/oauth/\(provider.id)/callback\n"
            text += "    \(base)\(prefix)/oauth/\(provider.id)/link/callback\n"
            if case .github = provider.kind {
                text +=
                    "  (a GitHub OAuth App has one callback URL: \(base)\(prefix)/oauth/\(provider.id)/ covers both)\n"
            }
            guard check, case .oidc(let issuer) = provider.kind else { continue }
            do {
                let metadata = try await client.metadata(issuer: issuer)
                text +=
                    "  discovery: ok (ID tokens signed with \(metadata.idTokenSigningAlgorithms.map(\.rawValue).sorted().joined(separator: ", ")))\n"
            } catch {
                text += "  discovery: FAILED: \(error.reason)\n"
                failed = true
            }
        }
        return (text, failed)
    }
}
