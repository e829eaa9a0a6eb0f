// What FastAuthOAuth reads from a provider: the OpenID Connect discovery document, an ID token's
// claims (after its signature was verified), GitHub's email list, and the `state` a callback
// brings back. Each reader must refuse with an error or return a value that keeps its rules.
import FastAuth
import FastAuthOAuth
import Foundation
import FuzzSupport

let issuer = "https://issuer.example"

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Array(fuzzInput(data, size))

    // Discovery: the exact issuer, https endpoints (or loopback http), no `none` or HMAC.
    if let metadata = try? OIDCProviderMetadata.parse(input, expectedIssuer: issuer) {
        require(metadata.issuer == issuer, "another issuer accepted")
        for url in [metadata.authorizationEndpoint, metadata.tokenEndpoint, metadata.jwksURI] {
            require(
                url.scheme?.lowercased() == "https" || url.host == "127.0.0.1" || url.host == "localhost"
                    || url.host == "::1",
                "a plain-http endpoint off loopback: \(url)")
        }
        require(!metadata.idTokenSigningAlgorithms.contains { $0.isSymmetric }, "an HMAC algorithm for ID tokens")
    }

    // ID-token claims: accepted only for this issuer, client and nonce, unexpired.
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let rules = IDTokenClaims.Rules(
        issuer: issuer, clientID: "client", nonce: "nonce", now: now, leeway: .seconds(60), maxAge: .seconds(600))
    if let claims = try? IDTokenClaims.check(input, rules) {
        require(claims["iss"]?.stringValue == issuer, "another issuer's token")
        require(claims["nonce"]?.stringValue == "nonce", "another flow's nonce")
        require(!(claims["sub"]?.stringValue ?? "").isEmpty, "no subject")
        let audience =
            claims["aud"]?.stringValue.map { [$0] } ?? claims["aud"]?.arrayValue?.compactMap(\.stringValue) ?? []
        require(audience.contains("client"), "a token for another client")
        let exp: Double? =
            switch claims["exp"] {
            case .int(let seconds)?: Double(seconds)
            case .double(let seconds)?: seconds
            default: nil
            }
        require(exp.map { $0.rounded(.down) + 60 > 1_800_000_000 } ?? false, "an expired token, or none")
    }

    // GitHub's emails: only an address marked both primary and verified.
    if let list = (try? JSONValue(parsing: input))?.arrayValue, let email = OAuthClient.primaryVerifiedEmail(list) {
        require(
            list.contains {
                $0["email"]?.stringValue == email && $0["primary"]?.boolValue == true
                    && $0["verified"]?.boolValue == true
            },
            "an address that is not primary and verified")
    }

    // A callback's state: hashed to 64 lower-case hex digits whatever it is.
    let hash = OAuthFlowValues.hash(state: String(decoding: input, as: UTF8.self))
    require(
        hash.utf8.count == 64 && hash.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) },
        "a malformed hash")
    return 0
}

runFuzzer(fuzzOne)
