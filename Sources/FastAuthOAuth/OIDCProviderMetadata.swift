public import FastAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The parts of an OpenID Connect discovery document (OpenID Connect Discovery 1.0 §3) a
/// sign-in uses, validated: the `issuer` is exactly the configured one, and every endpoint is
/// https (http only on a loopback host).
public struct OIDCProviderMetadata: Sendable, Hashable {
    /// `issuer`.
    public let issuer: String
    /// `authorization_endpoint`.
    public let authorizationEndpoint: URL
    /// `token_endpoint`.
    public let tokenEndpoint: URL
    /// `jwks_uri`.
    public let jwksURI: URL
    /// `userinfo_endpoint`, if any.
    public let userinfoEndpoint: URL?
    /// The ID token algorithms accepted: `id_token_signing_alg_values_supported` restricted to
    /// the asymmetric algorithms FastAuth supports (never `none`, never HMAC); RS256 when absent.
    public let idTokenSigningAlgorithms: Set<SigningAlgorithm>

    /// `{issuer}/.well-known/openid-configuration` (the issuer's trailing `/` removed first).
    public static func discoveryURL(for issuer: String) -> URL? {
        var base = issuer
        while base.hasSuffix("/") { base.removeLast() }
        return URL(string: base + "/.well-known/openid-configuration")
    }

    /// Parses and validates a discovery document for `expectedIssuer`.
    public static func parse(_ body: [UInt8], expectedIssuer: String) throws(OAuthError) -> Self {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: body)
        } catch {
            throw OAuthError(.invalidProviderMetadata, "the provider's discovery document is not JSON")
        }
        guard document.objectValue != nil else {
            throw OAuthError(.invalidProviderMetadata, "the provider's discovery document is not a JSON object")
        }
        guard let issuer = document["issuer"]?.stringValue, issuer == expectedIssuer else {
            throw OAuthError(
                .invalidProviderMetadata,
                "the provider's discovery document names another issuer than the configured one")
        }
        func endpoint(_ name: String, required: Bool = true) throws(OAuthError) -> URL? {
            guard let text = document[name]?.stringValue else {
                if required { throw OAuthError(.invalidProviderMetadata, "the discovery document has no \(name)") }
                return nil
            }
            guard let url = URL(string: text), OAuthHTTP.isSecureEndpoint(url) else {
                throw OAuthError(.invalidProviderMetadata, "the discovery document's \(name) is not an https URL")
            }
            return url
        }
        guard let authorization = try endpoint("authorization_endpoint"), let token = try endpoint("token_endpoint"),
            let jwks = try endpoint("jwks_uri")
        else { throw OAuthError(.invalidProviderMetadata, "the discovery document lacks an endpoint") }
        let userinfo = try endpoint("userinfo_endpoint", required: false)
        let algorithms: Set<SigningAlgorithm>
        if let listed = document["id_token_signing_alg_values_supported"] {
            guard let names = listed.arrayValue?.compactMap(\.stringValue) else {
                throw OAuthError(
                    .invalidProviderMetadata,
                    "the discovery document's id_token_signing_alg_values_supported is not a list")
            }
            algorithms = Set(
                names.compactMap { name in
                    SigningAlgorithm.supported.first { $0.rawValue == name && $0.family != nil && !$0.isSymmetric }
                })
            guard !algorithms.isEmpty else {
                throw OAuthError(
                    .invalidProviderMetadata, "the provider signs ID tokens with no algorithm FastAuth accepts")
            }
        } else {
            algorithms = [.rs256]
        }
        return Self(
            issuer: issuer, authorizationEndpoint: authorization, tokenEndpoint: token, jwksURI: jwks,
            userinfoEndpoint: userinfo, idTokenSigningAlgorithms: algorithms)
    }
}
