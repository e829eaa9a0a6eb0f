import FastAuth
import FastAuthTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every verification rule of docs/TOKENS.md, each negative case beside a positive control. Each test
/// asserts the specific error code, so removing the rule makes it fail even where another
/// check would still refuse the token.
@Suite("Token verification rules")
struct VerificationRuleTests {
    // MARK: Positive controls

    @Test("a freshly issued access token verifies", arguments: SigningAlgorithm.supported)
    func validTokenVerifies(algorithm: SigningAlgorithm) async throws {
        let h = try await Harness(algorithm: algorithm)
        let issued = try await h.accessToken()
        let verified = try h.service.verifyAccessToken(issued.token)
        #expect(verified.claims == issued.claims)
        #expect(verified.header.algorithm == algorithm.rawValue)
        #expect(verified.claims.type == .access)
    }

    @Test("a forged token with valid claims and the right key verifies (control for the forged cases)")
    func forgedControl() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        let token = try TestFixtures.forge(header: h.header(key), claims: h.claims(), key: key)
        #expect(h.failure(token) == nil)
    }

    // MARK: Rule 1: algorithm

    @Test("alg none is refused in any spelling", arguments: ["none", "NONE", "None", "nOnE"])
    func algNone(spelling: String) async throws {
        let h = try await Harness()
        let header = Base64URL.encode(JSONValue.object(["alg": .string(spelling), "typ": "JWT"]).jsonBytes)
        let payload = Base64URL.encode(JSONValue.object(h.claims()).jsonBytes)
        for signature in ["", "c2lnbmF0dXJl"] {
            let token = "\(header).\(payload).\(signature)"
            let expected: TokenError.Code = signature.isEmpty ? .malformed : .algorithmNotAllowed
            #expect(h.failure(token) == expected)
            // Even where nothing else restricts the algorithm, `none` is refused by name.
            let keys = KeySet(signingKey: nil, keylessKey: try h.accessKey)
            #expect(throws: TokenError(.algorithmNotAllowed, "")) {
                try TokenVerifier.verifyJWS("\(header).\(payload).c2ln", keys: keys, allowedAlgorithms: nil)
            }
        }
    }

    @Test("algorithm confusion: HS256 MAC'd with the RSA public key is refused")
    func algorithmConfusion() async throws {
        let h = try await Harness(algorithm: .rs256)
        let rsaKey = try h.accessKey
        let pem = try #require(rsaKey.material.publicKeyPEM)
        let hmacWithPEM = try SigningKey(
            material: try KeyMaterial.hmac(secret: Array(pem.utf8), algorithm: .hs256), id: rsaKey.id)
        let token = try TestFixtures.forge(
            header: ["alg": "HS256", "typ": "JWT", "kid": .string(rsaKey.id.rawValue)], claims: h.claims(),
            key: hmacWithPEM)
        // Refused because the configuration only allows RS256 …
        #expect(h.failure(token) == .algorithmNotAllowed)
        // … and, where HS256 were allowed too, because the kid's key is pinned to RS256.
        let lenient = TokenVerifier(policy: VerificationPolicy(allowedAlgorithms: [.rs256, .hs256]))
        #expect(throws: TokenError(.algorithmMismatch, "")) {
            try lenient.verify(token, as: .access, keys: h.service.keyRing.snapshot.access, now: h.clock.now())
        }
        // Control: the same policy accepts the genuine RS256 token.
        let genuine = try await h.accessToken().token
        #expect(throws: Never.self) {
            try lenient.verify(genuine, as: .access, keys: h.service.keyRing.snapshot.access, now: h.clock.now())
        }
    }

    @Test("an algorithm outside the configured set is refused even when the key would match")
    func algorithmOutsidePolicy() async throws {
        let h = try await Harness(algorithm: .hs256)
        let hs512 = try SigningKey(
            material: try KeyMaterial.hmac(secret: Array(TestFixtures.secret.utf8), algorithm: .hs512), id: "k512")
        let token = try TestFixtures.forge(header: h.header(hs512), claims: h.claims(), key: hs512)
        let keys = KeySet(signingKey: nil, verificationKeys: [hs512])
        let strict = TokenVerifier(policy: VerificationPolicy(allowedAlgorithms: [.hs256]))
        #expect(throws: TokenError(.algorithmNotAllowed, "")) {
            try strict.verify(token, as: .access, keys: keys, now: h.clock.now())
        }
        let allowing = TokenVerifier(policy: VerificationPolicy(allowedAlgorithms: [.hs256, .hs512]))
        #expect(throws: Never.self) { try allowing.verify(token, as: .access, keys: keys, now: h.clock.now()) }
    }

    // MARK: Rule 2: kid

    @Test("an unknown kid is refused; there is no fallback to another key")
    func unknownKid() async throws {
        let h = try await Harness(algorithm: .es256)
        let key = try h.accessKey
        let renamed = try SigningKey(material: key.material, id: "not-a-known-kid")
        let token = try TestFixtures.forge(header: h.header(renamed), claims: h.claims(), key: renamed)
        #expect(h.failure(token) == .unknownKeyID)
        let control = try TestFixtures.forge(header: h.header(key), claims: h.claims(), key: key)
        #expect(h.failure(control) == nil)
    }

    @Test("an asymmetric token without a kid is refused")
    func missingKid() async throws {
        let h = try await Harness(algorithm: .eddsa)
        let key = try h.accessKey
        let token = try TestFixtures.forge(header: h.header(key) { $0["kid"] = nil }, claims: h.claims(), key: key)
        #expect(h.failure(token) == .missingKeyID)
    }

    @Test("HS tokens without a kid verify with the current secret only (the Python original's tokens)")
    func keylessHMAC() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        let token = try TestFixtures.forge(header: ["alg": "HS256", "typ": "JWT"], claims: h.claims(), key: key)
        #expect(h.failure(token) == nil)
    }

    @Test("a secret in previousSecrets verifies old tokens by kid; an unlisted one does not")
    func previousSecrets() async throws {
        let old = String(repeating: "o", count: 40)
        let clock = ManualClock()
        let before = try await TokenService(config: FastAuthConfig(secret: old), clock: clock)
        let token = try await before.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s1")).token
        let rotated = try await TokenService(
            config: FastAuthConfig(secret: TestFixtures.secret, previousSecrets: [old]), clock: clock)
        #expect(throws: Never.self) { try rotated.verifyAccessToken(token) }
        let forgotten = try await TokenService(config: FastAuthConfig(secret: TestFixtures.secret), clock: clock)
        #expect(throws: TokenError(.unknownKeyID, "")) { try forgotten.verifyAccessToken(token) }
    }

    // MARK: Rule 3: time

    @Test("exp is enforced with the leeway")
    func expiry() async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        h.clock.advance(by: .seconds(900 + 29))
        #expect(h.failure(token) == nil)
        h.clock.advance(by: .seconds(1))
        #expect(h.failure(token) == .expired)
    }

    @Test("exp is required")
    func missingExp() async throws {
        let h = try await Harness()
        let token = try TestFixtures.forge(
            header: h.header(try h.accessKey), claims: h.claims { $0["exp"] = nil }, key: try h.accessKey)
        #expect(h.failure(token) == .missingExpiration)
    }

    @Test("nbf beyond the leeway is refused, within it accepted")
    func notBefore() async throws {
        let h = try await Harness()
        let now = h.clock.now().unixSeconds
        let key = try h.accessKey
        let within = try TestFixtures.forge(
            header: h.header(key), claims: h.claims { $0["nbf"] = .int(now + 25) }, key: key)
        let beyond = try TestFixtures.forge(
            header: h.header(key), claims: h.claims { $0["nbf"] = .int(now + 31) }, key: key)
        #expect(h.failure(within) == nil)
        #expect(h.failure(beyond) == .notYetValid)
    }

    @Test("iat beyond the leeway in the future is refused, within it accepted")
    func issuedInFuture() async throws {
        let h = try await Harness()
        let now = h.clock.now().unixSeconds
        let key = try h.accessKey
        let within = try TestFixtures.forge(
            header: h.header(key), claims: h.claims { $0["iat"] = .int(now + 30) }, key: key)
        let beyond = try TestFixtures.forge(
            header: h.header(key), claims: h.claims { $0["iat"] = .int(now + 31) }, key: key)
        #expect(h.failure(within) == nil)
        #expect(h.failure(beyond) == .issuedInFuture)
    }

    // MARK: Rule 4: iss, aud

    @Test("a wrong or missing issuer is refused")
    func issuer() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        for change: JSONValue? in ["https://evil.example", nil, .int(1)] {
            let token = try TestFixtures.forge(header: h.header(key), claims: h.claims { $0["iss"] = change }, key: key)
            #expect(h.failure(token) == (change == .int(1) ? .invalidClaims : .invalidIssuer))
        }
    }

    @Test("aud must hold a configured audience; a single string is accepted")
    func audience() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        let cases: [(JSONValue?, TokenError.Code?)] = [
            (["other"], .invalidAudience), (nil, .invalidAudience), ([], .invalidAudience),
            ("api", nil), (["other", "api"], nil), ([.int(1)], .invalidClaims),
        ]
        for (aud, expected) in cases {
            let token = try TestFixtures.forge(header: h.header(key), claims: h.claims { $0["aud"] = aud }, key: key)
            #expect(h.failure(token) == expected, "aud \(String(describing: aud))")
        }
    }

    // MARK: Rule 5: type

    @Test("a token whose type is not access is refused at protected routes")
    func typeConfusionForged() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        for type: JSONValue in ["refresh", "id", "Access"] {
            let token = try TestFixtures.forge(header: h.header(key), claims: h.claims { $0["type"] = type }, key: key)
            #expect(h.failure(token) == .wrongTokenType)
        }
    }

    @Test("a real refresh token never works as an access token, nor the reverse")
    func typeConfusionReal() async throws {
        let h = try await Harness(algorithm: .rs256)
        let pair = try await h.service.issuePair(for: h.user, sessionID: SessionID("s1"))
        #expect(throws: TokenError.self) { try h.service.verifyAccessToken(pair.refresh.token) }
        #expect(throws: TokenError.self) { try h.service.verifyRefreshToken(pair.access.token) }
        #expect(throws: Never.self) { try h.service.verifyRefreshToken(pair.refresh.token) }
        // A refresh token signed with the refresh key but claiming to be an access token is
        // still refused by type where the refresh key is the right key.
        let refreshKey = try #require(h.service.keyRing.snapshot.refresh.signingKey)
        let sneaky = try TestFixtures.forge(header: h.header(refreshKey), claims: h.claims(), key: refreshKey)
        #expect(throws: TokenError(.wrongTokenType, "")) { try h.service.verifyRefreshToken(sneaky) }
    }

    // MARK: Rule 6: crit and header-supplied keys

    @Test("an unknown crit header is refused")
    func crit() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        let token = try TestFixtures.forge(
            header: h.header(key) {
                $0["crit"] = ["exp"]; $0["exp"] = 1
            }, claims: h.claims(), key: key)
        #expect(h.failure(token) == .unsupportedCriticalHeader)
    }

    @Test("jwk, jku, x5u and x5c headers are never used to find a key")
    func headerKeysIgnored() async throws {
        let h = try await Harness(algorithm: .es256)
        let attacker = try SigningKey(material: try KeyMaterial.generate(algorithm: .es256))
        let attackerJWK = JSONValue.object(try #require(attacker.publicJWK))
        // Signed by the attacker, naming the attacker's key in every header field.
        let embedded = try TestFixtures.forge(
            header: h.header(attacker) {
                $0["jwk"] = attackerJWK
                $0["jku"] = "https://evil.example/jwks.json"
                $0["x5u"] = "https://evil.example/cert.pem"
                $0["x5c"] = ["MIIB"]
            }, claims: h.claims(), key: attacker)
        #expect(h.failure(embedded) == .unknownKeyID)
        // Signed by the attacker but claiming the real kid: the real key is used, so it fails.
        let real = try h.accessKey
        let claimingRealKid = try TestFixtures.forge(
            header: h.header(real) { $0["jwk"] = attackerJWK }, claims: h.claims(), key: attacker)
        #expect(h.failure(claimingRealKid) == .invalidSignature)
        // Control: a genuine token carrying such headers still verifies (they are ignored).
        let genuine = try TestFixtures.forge(
            header: h.header(real) { $0["jku"] = "https://evil.example/jwks.json" }, claims: h.claims(), key: real)
        #expect(h.failure(genuine) == nil)
    }

    // MARK: Rule 7: malformed input, before any cryptography

    @Test("a tampered payload is refused")
    func tamperedPayload() async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        let tampered = replacingSegment(
            token, 1, with: Base64URL.encode(JSONValue.object(h.claims { $0["sub"] = "admin" }).jsonBytes))
        #expect(h.failure(tampered) == .invalidSignature)
        var flipped = Array(token.utf8)
        let index = flipped.count - 3
        flipped[index] = flipped[index] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        #expect(h.failure(String(decoding: flipped, as: UTF8.self)) != nil)
    }

    @Test("a stripped signature is refused")
    func strippedSignature() async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        #expect(h.failure(replacingSegment(token, 2, with: "")) == .malformed)
    }

    @Test("bad base64url is refused", arguments: ["+", "/", "=", " ", "\n", "%", "é"])
    func badBase64(character: String) async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        for segment in 0..<3 {
            var parts = token.split(separator: ".").map(String.init)
            parts[segment].insert(
                contentsOf: character, at: parts[segment].index(parts[segment].startIndex, offsetBy: 4))
            #expect(h.failure(parts.joined(separator: ".")) == .malformed)
        }
    }

    @Test("non-canonical base64url trailing bits are refused")
    func nonCanonicalBase64() async throws {
        let h = try await Harness()
        // "eyJ" + "hbGciOiJIUzI1NiJ9" style: find a segment whose length leaves unused bits.
        #expect(Base64URL.decode("QQ") == [0x41])
        #expect(Base64URL.decode("QR") == nil)
        #expect(Base64URL.decode("QUI") == [0x41, 0x42])
        #expect(Base64URL.decode("QUJ") == nil)
        #expect(Base64URL.decode("Q") == nil)
        let token = try await h.accessToken().token
        let signature = String(token.split(separator: ".")[2])  // 43 characters: 2 unused bits
        let last = signature.last!
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let index = try #require(alphabet.firstIndex(of: last))
        let sibling = alphabet[(index & ~3) | ((index & 3) ^ 1)]
        #expect(
            h.failure(replacingSegment(token, 2, with: String(signature.dropLast()) + String(sibling))) == .malformed)
    }

    @Test("a wrong segment count is refused", arguments: [1, 2, 4, 5])
    func segmentCount(count: Int) async throws {
        let h = try await Harness()
        let parts = try await h.accessToken().token.split(separator: ".").map(String.init)
        let token = (0..<count).map { parts[$0 % 3] }.joined(separator: ".")
        #expect(h.failure(token) == .malformed)
    }

    @Test("an oversized token is refused before parsing")
    func oversized() async throws {
        let h = try await Harness()
        let key = try h.accessKey
        let big = try TestFixtures.forge(
            header: h.header(key), claims: h.claims { $0["blob"] = .string(String(repeating: "x", count: 9000)) },
            key: key)
        #expect(h.failure(big) == .oversized)
        let fits = try TestFixtures.forge(
            header: h.header(key), claims: h.claims { $0["blob"] = .string(String(repeating: "x", count: 4000)) },
            key: key)
        #expect(h.failure(fits) == nil)
    }

    @Test("a header or claims that are not JSON objects are refused")
    func nonObjectJSON() async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        for header in ["[]", "1", "\"alg\"", "{\"alg\":\"HS256\"", "{\"alg\":\"HS256\",\"alg\":\"none\"}"] {
            #expect(h.failure(replacingSegment(token, 0, with: Base64URL.encode(Array(header.utf8)))) == .malformed)
        }
        let key = try h.accessKey
        for payload in [
            "[]", "null", "{\"sub\":\"a\",\"sub\":\"b\"}", "{", "{\"exp\":\"soon\",\"sub\":\"a\",\"type\":\"access\"}",
        ] {
            let signingInput =
                Base64URL.encode(JSONValue.object(h.header(key)).jsonBytes) + "."
                + Base64URL.encode(Array(payload.utf8))
            let signed = signingInput + "." + Base64URL.encode(try key.rawSignature(Array(signingInput.utf8)))
            #expect(h.failure(signed) == .invalidClaims, "payload \(payload)")
        }
    }

    @Test("no input crashes the verifier: 5,000 random mutations of a valid token")
    func mutationSweep() async throws {
        let h = try await Harness()
        let token = Array(try await h.accessToken().token.utf8)
        var random = SeededGenerator(state: 42)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.+/= \0{}\"".utf8)
        var accepted = 0
        for _ in 0..<5000 {
            var mutated = token
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = Int.random(in: 0..<mutated.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: mutated[position] = alphabet.randomElement(using: &random)!
                case 1: mutated.remove(at: position)
                default: mutated.insert(alphabet.randomElement(using: &random)!, at: position)
                }
                if mutated.isEmpty { mutated = [0x2E] }
            }
            if mutated != token, h.failure(String(decoding: mutated, as: UTF8.self)) == nil { accepted += 1 }
        }
        #expect(accepted == 0)
    }
}
