import FastAuth
import FastAuthTesting
import FastAuthVerifier
import Foundation
import Testing

/// `verifySignature(_:)` (for tokens that are not FastAuth access tokens, e.g. OpenID Connect
/// ID tokens), `allowsKeylessTokenWithSingleKey` and `defaultKeyAlgorithms`.
@Suite("signature-only verification")
struct SignatureOnlyTests {
    static let claims: [String: JSONValue] = ["iss": "https://op.example", "sub": "u1", "aud": "c1", "exp": 1]

    @Test("a JWS without FastAuth's claims verifies; its payload is returned unchecked; the algorithm stays pinned")
    func signatureOnly() async throws {
        let clock = ManualClock()
        let key = try SigningKey(material: .generate(algorithm: .rs256), id: KeyID("k1"))
        let issuer = FakeIssuer(keys: [key])
        let verifier = makeVerifier(issuer, clock: clock) { $0.allowedAlgorithms = [.rs256] }
        let header: [String: JSONValue] = ["alg": "RS256", "kid": "k1"]
        let token = try TestFixtures.forge(header: header, claims: Self.claims, key: key)
        let verified = try await verifier.verifySignature(token)
        #expect(verified.keyID == KeyID("k1"))
        #expect(try JSONValue(parsing: verified.payload) == .object(Self.claims))
        // verify(_:) still demands an access token.
        await #expect(throws: VerifierError.self) { try await verifier.verify(token) }
        // Another key with the same kid: refused.
        let other = try SigningKey(material: .generate(algorithm: .rs256), id: KeyID("k1"))
        let forged = try TestFixtures.forge(header: header, claims: Self.claims, key: other)
        await #expect(throws: VerifierError.self) { try await verifier.verifySignature(forged) }
        // alg none.
        let none =
            Base64URL.encode(JSONValue.object(["alg": "none"]).jsonBytes) + "."
            + Base64URL.encode(JSONValue.object(Self.claims).jsonBytes) + ".AA"
        await #expect(throws: VerifierError.self) { try await verifier.verifySignature(none) }
    }

    @Test("a token without kid is refused unless allowed, and then only while the set holds one key")
    func keyless() async throws {
        let clock = ManualClock()
        let key = try SigningKey(material: .generate(algorithm: .rs256), id: KeyID("k1"))
        let issuer = FakeIssuer(keys: [key])
        let token = try TestFixtures.forge(header: ["alg": "RS256"], claims: Self.claims, key: key)
        let strict = makeVerifier(issuer, clock: clock) { $0.allowedAlgorithms = [.rs256] }
        await #expect(throws: VerifierError.self) { try await strict.verifySignature(token) }
        let lenient = makeVerifier(issuer, clock: clock) {
            $0.allowedAlgorithms = [.rs256]
            $0.allowsKeylessTokenWithSingleKey = true
        }
        _ = try await lenient.verifySignature(token)
        let second = try SigningKey(material: .generate(algorithm: .rs256), id: KeyID("k2"))
        issuer.publish([key, second])
        let fresh = makeVerifier(issuer, clock: clock) {
            $0.allowedAlgorithms = [.rs256]
            $0.allowsKeylessTokenWithSingleKey = true
        }
        await #expect(throws: VerifierError.self) { try await fresh.verifySignature(token) }
    }

    @Test("a published key without alg is used only with a default algorithm for its kty")
    func defaultAlgorithm() async throws {
        let clock = ManualClock()
        let key = try SigningKey(material: .generate(algorithm: .rs256), id: KeyID("k1"))
        var jwk = try #require(key.publicJWK)
        jwk["alg"] = nil
        let issuer = FakeIssuer(keys: [], extra: [.object(jwk)])
        let token = try TestFixtures.forge(header: ["alg": "RS256", "kid": "k1"], claims: Self.claims, key: key)
        let plain = makeVerifier(issuer, clock: clock) { $0.allowedAlgorithms = [.rs256] }
        await #expect(throws: VerifierError.self) { try await plain.verifySignature(token) }
        let defaulted = makeVerifier(issuer, clock: clock) {
            $0.allowedAlgorithms = [.rs256]
            $0.defaultKeyAlgorithms = ["RSA": .rs256]
        }
        _ = try await defaulted.verifySignature(token)
        // A default outside the allowlist is not assumed.
        let disallowed = makeVerifier(issuer, clock: clock) {
            $0.allowedAlgorithms = [.es256]
            $0.defaultKeyAlgorithms = ["RSA": .rs256]
        }
        await #expect(throws: VerifierError.self) { try await disallowed.verifySignature(token) }
    }
}
