package import FastAuth

#if canImport(FoundationEssentials)
package import FoundationEssentials
#else
package import Foundation
#endif

/// The claim rules of an OpenID Connect ID token (Core 1.0 §3.1.3.7), applied after its
/// signature was verified: `iss` exactly, `aud` holds the client id, `azp` is the client id
/// when present and required with several audiences, `exp` (with leeway), `iat` neither in the
/// future nor older than the allowed age, `nbf`, and the `nonce` of the flow.
package enum IDTokenClaims {
    package struct Rules: Sendable {
        var issuer: String
        var clientID: String
        var nonce: String
        var now: Date
        var leeway: Duration
        var maxAge: Duration

        package init(issuer: String, clientID: String, nonce: String, now: Date, leeway: Duration, maxAge: Duration) {
            self.issuer = issuer
            self.clientID = clientID
            self.nonce = nonce
            self.now = now
            self.leeway = leeway
            self.maxAge = maxAge
        }
    }

    /// The checked claims, or why they were refused.
    package static func check(_ payload: [UInt8], _ rules: Rules) throws(OAuthError) -> [String: JSONValue] {
        func refuse(_ why: String) -> OAuthError { OAuthError(.invalidIDToken, "the ID token was refused: \(why)") }
        let claims: [String: JSONValue]
        do {
            guard let object = try JSONValue(parsing: payload).objectValue else {
                throw refuse("its claims are not an object")
            }
            claims = object
        } catch let error as OAuthError {
            throw error
        } catch {
            throw refuse("its claims are not JSON")
        }
        guard claims["iss"]?.stringValue == rules.issuer else { throw refuse("another issuer") }
        guard let subject = claims["sub"]?.stringValue, !subject.isEmpty, subject.utf8.count <= 255 else {
            throw refuse("no usable sub")
        }
        let audience: [String]
        switch claims["aud"] {
        case .string(let single)?: audience = [single]
        case .array(let list)?:
            let strings = list.compactMap(\.stringValue)
            guard strings.count == list.count, !strings.isEmpty else { throw refuse("a malformed aud") }
            audience = strings
        default: throw refuse("no aud")
        }
        guard audience.contains(rules.clientID) else { throw refuse("issued for another client") }
        if let azp = claims["azp"] {
            guard azp.stringValue == rules.clientID else { throw refuse("its azp is another client") }
        } else if audience.count > 1 {
            throw refuse("several audiences and no azp")
        }
        let now = Int64(rules.now.timeIntervalSince1970.rounded(.down))
        let leeway = rules.leeway.components.seconds
        guard let expiresAt = numericDate(claims["exp"]) else { throw refuse("no exp") }
        guard now < expiresAt.addingReportingOverflow(leeway).partialValue else { throw refuse("expired") }
        guard let issuedAt = numericDate(claims["iat"]) else { throw refuse("no iat") }
        guard issuedAt <= now.addingReportingOverflow(leeway).partialValue else { throw refuse("issued in the future") }
        guard
            issuedAt
                >= now.subtractingReportingOverflow(rules.maxAge.components.seconds).partialValue
                .subtractingReportingOverflow(leeway).partialValue
        else { throw refuse("issued too long ago") }
        if let notBefore = numericDate(claims["nbf"]), now.addingReportingOverflow(leeway).partialValue < notBefore {
            throw refuse("not valid yet")
        }
        guard let nonce = claims["nonce"]?.stringValue, ConstantTime.equal(nonce.utf8, rules.nonce.utf8) else {
            throw refuse("its nonce is not this sign-in's")
        }
        return claims
    }

    /// `email_verified` as a boolean (some providers send the string `"true"`).
    static func isTrue(_ value: JSONValue?) -> Bool {
        switch value {
        case .bool(let flag)?: flag
        case .string(let text)?: text == "true"
        default: false
        }
    }

    private static func numericDate(_ value: JSONValue?) -> Int64? {
        switch value {
        case .int(let seconds)?: seconds
        case .double(let seconds)? where seconds.isFinite && abs(seconds) < 9e15: Int64(seconds.rounded(.down))
        default: nil
        }
    }
}
