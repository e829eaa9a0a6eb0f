import FastAuth
import Foundation
import Testing

/// The public members of a JWK (RFC 7518 §6: the private members removed).
func publicPart(_ jwk: [String: Any]) -> [String: Any] {
    jwk.filter { !["d", "p", "q", "dp", "dq", "qi", "oth"].contains($0.key) }
}

/// `token` with one bit of its signature's last byte flipped.
func flippingSignatureBit(_ token: String) throws -> String {
    let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    try #require(parts.count == 3)
    var signature = try base64URL(parts[2])
    try #require(!signature.isEmpty)
    signature[signature.count - 1] ^= 0x01
    return parts[0] + "." + parts[1] + "." + Base64URL.encode(signature)
}

/// `header.payload.MAC` with an HMAC key made of `secret`: how an attacker forges an
/// algorithm-confusion token. Signed with FastAuth's own HMAC key type (which refuses secrets
/// shorter than the hash, so every secret used here is at least 32 bytes).
func hmacToken(
    header: String, payloadSegment: String, secret: [UInt8], algorithm: SigningAlgorithm = .hs256
) async throws
    -> String
{
    let key = try SigningKey(material: KeyMaterial.hmac(secret: secret, algorithm: algorithm), id: "attacker")
    let signingInput = Base64URL.encode(Array(header.utf8)) + "." + payloadSegment
    return signingInput + "." + Base64URL.encode(try key.rawSignature(Array(signingInput.utf8)))
}

// MARK: - RFC 7515 Appendix A / E and RFC 8037 A.4

/// RFC 7515 A.1–A.5 and E, RFC 8037 A.4, from `derived/rfc7515_appendix_a.json` (byte-exact,
/// headers with the RFC's CRLFs).
@Suite("RFC 7515 Appendix A/E and RFC 8037 A.4 examples", .enabled(if: Vectors.enabled, Vectors.skipMessage))
struct RFC7515ExampleTests {
    static let validIDs = ["RFC7515-A.1", "RFC7515-A.2", "RFC7515-A.3", "RFC7515-A.4", "RFC8037-A.4"]

    static func cases() throws -> [String: [String: Any]] {
        let file = try Vectors.object("derived/rfc7515_appendix_a.json")
        let list = try #require(file["cases"] as? [[String: Any]], "rfc7515_appendix_a.json has no cases")
        var byID: [String: [String: Any]] = [:]
        for entry in list {
            byID[try #require(entry["id"] as? String)] = entry
        }
        return byID
    }

    static func example(
        _ id: String
    ) throws -> (
        compact: String, alg: SigningAlgorithm, jwk: [String: Any], publicJWK: [String: Any], entry: [String: Any]
    ) {
        let entry = try #require(try cases()[id], "no case \(id)")
        let jwk = try #require(entry["jwk"] as? [String: Any], "\(id) has no jwk")
        return (
            try #require(entry["compact"] as? String), SigningAlgorithm(try #require(entry["alg"] as? String)), jwk,
            (entry["jwk_public"] as? [String: Any]) ?? publicPart(jwk), entry
        )
    }

    @Test("the file still holds A.1–A.4 and RFC 8037 A.4 as valid, A.5 and E as rejections")
    func inventory() throws {
        let cases = try Self.cases()
        #expect(Set(cases.keys) == Set(Self.validIDs + ["RFC7515-A.5", "RFC7515-E"]))
        for id in Self.validIDs { #expect(cases[id]?["expected"] as? String == "valid", "\(id)") }
        #expect(cases["RFC7515-A.5"]?["expected"] as? String == "reject_unless_none_explicitly_allowed")
        #expect(cases["RFC7515-E"]?["expected"] as? String == "invalid")
    }

    @Test(
        "each valid example verifies with its algorithm pinned, returns the RFC payload, and fails with one signature bit flipped",
        arguments: validIDs)
    func validExampleVerifies(id: String) async throws {
        let example = try Self.example(id)
        let outcome = await Harness.verify(example.compact, keyJSON: example.publicJWK, algorithm: example.alg)
        #expect(outcome.accepted, "\(id): \(outcome)")
        let payloadSegment = try #require(example.entry["payload_b64u"] as? String)
        #expect(outcome.payload == (try base64URL(payloadSegment)), "\(id): payload differs")

        let tampered = try flippingSignatureBit(example.compact)
        let tamperedOutcome = await Harness.verify(tampered, keyJSON: example.publicJWK, algorithm: example.alg)
        #expect(!tamperedOutcome.accepted, "\(id): a flipped signature bit was accepted")
    }

    @Test(
        "an HS256 token MAC'd with an asymmetric example key's public bytes, PEM or JWK JSON is rejected",
        arguments: [
            "RFC7515-A.2", "RFC7515-A.3", "RFC7515-A.4", "RFC8037-A.4",
        ])
    func algorithmConfusionIsRejected(id: String) async throws {
        let example = try Self.example(id)
        let key = try SigningKey(jwk: Harness.jwkMembers(example.publicJWK), algorithm: example.alg)
        let members = try #require(key.material.thumbprintMembers)
        var secrets: [(String, [UInt8])] = [
            ("the public JWK JSON", try Harness.jsonBytes(example.publicJWK)),
            ("the public key PEM", Array(try #require(key.material.publicKeyPEM).utf8)),
        ]
        switch members["kty"]?.stringValue {
        case "RSA": secrets.append(("the RSA modulus", try base64URL(try #require(members["n"]?.stringValue))))
        case "EC":
            secrets.append(
                (
                    "the uncompressed EC point",
                    [0x04] + (try base64URL(try #require(members["x"]?.stringValue)))
                        + (try base64URL(try #require(members["y"]?.stringValue)))
                ))
        default: secrets.append(("the raw Ed25519 key", try base64URL(try #require(members["x"]?.stringValue))))
        }
        let payloadSegment = try #require(example.entry["payload_b64u"] as? String)
        let keys = try await Harness.singleKeySet(key, for: example.compact)
        for (what, secret) in secrets {
            let forged = try await hmacToken(
                header: #"{"alg":"HS256"}"#, payloadSegment: payloadSegment, secret: secret)
            let outcome = Harness.verify(forged, keys: keys)
            #expect(!outcome.accepted, "\(id): HS256 MAC'd with \(what) was accepted")
        }
    }

    @Test(
        "HS256, RS256 and EdDSA: signing the signing input with the private JWK reproduces the RFC signature byte for byte",
        arguments: [
            "RFC7515-A.1", "RFC7515-A.2", "RFC8037-A.4",
        ])
    func deterministicSignatureIsReproduced(id: String) async throws {
        let example = try Self.example(id)
        let key = try SigningKey(jwk: Harness.jwkMembers(example.jwk), algorithm: example.alg, allowPrivate: true)
        #expect(key.canSign, "\(id): the private JWK did not import as a signing key")
        let signingInput = try #require(example.entry["signing_input"] as? String)
        let expected = try base64URL(String(try #require(example.compact.split(separator: ".").last)))
        let signature = try key.rawSignature(Array(signingInput.utf8))
        #if canImport(Darwin)
        // Apple's CryptoKit randomises Ed25519 signatures (it is not RFC 8032-deterministic), so
        // on Darwin only check that the fresh signature verifies.
        if example.alg == .eddsa {
            let token = signingInput + "." + Base64URL.encode(signature)
            let outcome = await Harness.verify(token, keyJSON: example.publicJWK, algorithm: example.alg)
            #expect(outcome.accepted, "\(id): \(outcome)")
            return
        }
        #endif
        #expect(signature == expected, "\(id): the signature differs from the RFC's")
    }

    @Test(
        "A.5 (alg none) and E (unknown crit) are rejected with any configured key, even with none in the allowed list")
    func unsecuredAndCriticalAreRejected() async throws {
        let cases = try Self.cases()
        var keys: [(String, KeySet)] = []
        for id in Self.validIDs {
            let example = try Self.example(id)
            let key = try SigningKey(jwk: Harness.jwkMembers(example.publicJWK), algorithm: example.alg)
            keys.append((id, KeySet(signingKey: nil, verificationKeys: [key], keylessKey: key)))
        }
        for id in ["RFC7515-A.5", "RFC7515-E"] {
            let token = try #require(cases[id]?["compact"] as? String)
            for (keyName, keySet) in keys {
                #expect(!Harness.verify(token, keys: keySet).accepted, "\(id) accepted with the \(keyName) key")
                #expect(throws: TokenError.self, "\(id) accepted with none allowed and the \(keyName) key") {
                    try TokenVerifier.verifyJWS(token, keys: keySet, allowedAlgorithms: ["none", "HS256", "RS256"])
                }
            }
        }
        // A.5 and E have an empty signature segment, which is refused before the header is read.
        // With a signature appended (any bytes: A.1's MAC), the alg check itself must refuse them,
        // in any spelling of "none".
        let a5 = try #require(cases["RFC7515-A.5"]?["compact"] as? String)
        let signature = String(try Self.example("RFC7515-A.1").compact.split(separator: ".")[2])
        let payload = String(a5.split(separator: ".", omittingEmptySubsequences: false)[1])
        for spelling in ["none", "None", "NONE", "nOnE"] {
            let token = Base64URL.encode(Array("{\"alg\":\"\(spelling)\"}".utf8)) + "." + payload + "." + signature
            for (keyName, keySet) in keys {
                #expect(
                    throws: TokenError(.algorithmNotAllowed, ""), "alg \(spelling) with a signature, \(keyName) key"
                ) {
                    try TokenVerifier.verifyJWS(token, keys: keySet, allowedAlgorithms: [SigningAlgorithm(spelling)])
                }
                #expect(
                    !Harness.verify(token, keys: keySet).accepted, "alg \(spelling) with a signature, \(keyName) key")
            }
        }
    }

    @Test("Appendix E's crit header is rejected on its own: the same header with alg HS256 and a good MAC still fails")
    func criticalHeaderIsRejectedWithAValidSignature() async throws {
        let example = try Self.example("RFC7515-A.1")
        let key = try SigningKey(jwk: Harness.jwkMembers(example.publicJWK), algorithm: .hs256)
        let header =
            "{\"alg\":\"HS256\",\r\n \"crit\":[\"http://example.com/UNDEFINED\"],\r\n \"http://example.com/UNDEFINED\":true\r\n}"
        let secret = try base64URL(try #require(example.jwk["k"] as? String))
        let token = try await hmacToken(header: header, payloadSegment: "RkFJTA", secret: secret)
        let keys = KeySet(signingKey: nil, keylessKey: key)
        // Without the crit member the same construction verifies, so the rejection is the crit's.
        let control = try await hmacToken(header: #"{"alg":"HS256"}"#, payloadSegment: "RkFJTA", secret: secret)
        #expect(Harness.verify(control, keys: keys).accepted)
        #expect(throws: TokenError(.unsupportedCriticalHeader, "")) {
            try TokenVerifier.verifyJWS(token, keys: keys)
        }
    }
}

// MARK: - RFC 7520 (JOSE cookbook) §4 and RFC 8037 A.4

@Suite("RFC 7520 JOSE cookbook signatures and RFC 8037 A.4", .enabled(if: Vectors.enabled, Vectors.skipMessage))
struct CookbookTests {
    static let compactExamples = [
        "4_1.rsa_v15_signature", "4_2.rsa-pss_signature", "4_3.ecdsa_signature", "4_4.hmac-sha2_integrity_protection",
    ]
    static let allExamples =
        compactExamples + [
            "4_5.signature_with_detached_content", "4_6.protecting_specific_header_fields",
            "4_7.protecting_content_only",
            "4_8.multiple_signatures",
        ]

    /// `signing` is a list for §4.8 (one entry per signature); `[:]` then.
    static func example(_ name: String) throws -> (input: [String: Any], signing: [String: Any], output: [String: Any])
    {
        let file = try Vectors.object("cookbook/jws/\(name).json")
        return (
            try #require(file["input"] as? [String: Any]), file["signing"] as? [String: Any] ?? [:],
            try #require(file["output"] as? [String: Any])
        )
    }

    @Test(
        "§4.1–4.4: the compact output verifies with input.key and input.alg, returns the payload, and fails with a flipped bit",
        arguments: compactExamples)
    func compactOutputVerifies(name: String) async throws {
        let (input, _, output) = try Self.example(name)
        let key = publicPart(try #require(input["key"] as? [String: Any]))
        let algorithm = SigningAlgorithm(try #require(input["alg"] as? String))
        let compact = try #require(output["compact"] as? String)
        let outcome = await Harness.verify(compact, keyJSON: key, algorithm: algorithm)
        #expect(outcome.accepted, "\(name): \(outcome)")
        #expect(outcome.payload == Array(try #require(input["payload"] as? String).utf8), "\(name): payload differs")
        let tampered = await Harness.verify(try flippingSignatureBit(compact), keyJSON: key, algorithm: algorithm)
        #expect(!tampered.accepted, "\(name): a flipped signature bit was accepted")
    }

    @Test(
        "§4.1 (RS256) and §4.4 (HS256): re-signing sig-input with the private key reproduces the cookbook signature",
        arguments: [
            "4_1.rsa_v15_signature", "4_4.hmac-sha2_integrity_protection",
        ])
    func deterministicSignatureIsReproduced(name: String) async throws {
        let (input, signing, _) = try Self.example(name)
        let key = try SigningKey(
            jwk: Harness.jwkMembers(try #require(input["key"] as? [String: Any])),
            algorithm: SigningAlgorithm(try #require(input["alg"] as? String)), allowPrivate: true)
        let signature = try key.rawSignature(Array(try #require(signing["sig-input"] as? String).utf8))
        #expect(Base64URL.encode(signature) == (signing["sig"] as? String))
    }

    @Test(
        "§4.1–4.8: every JSON serialization (general and flattened) is rejected, and so is §4.5's detached-content compact form"
    )
    func nonCompactFormsAreRejected() async throws {
        var checked = 0
        for name in Self.allExamples {
            let (input, _, output) = try Self.example(name)
            let firstKey = try #require(((input["key"] as? [[String: Any]])?.first) ?? (input["key"] as? [String: Any]))
            let firstAlg = try #require(((input["alg"] as? [String])?.first) ?? (input["alg"] as? String))
            for form in ["json", "json_flat"] {
                guard let object = output[form] as? [String: Any] else { continue }
                let text = String(decoding: try Harness.jsonBytes(object), as: UTF8.self)
                let outcome = await Harness.verify(
                    text, keyJSON: publicPart(firstKey), algorithm: SigningAlgorithm(firstAlg))
                #expect(!outcome.accepted, "\(name) \(form) was accepted")
                checked += 1
            }
        }
        #expect(checked == 15, "expected 15 JSON serializations in §4.1–4.8, found \(checked)")
        // §4.5: detached content (empty payload segment) is not supported; the MAC over the
        // empty payload does not match, so the token is refused.
        let (input, _, output) = try Self.example("4_5.signature_with_detached_content")
        let detached = try #require(output["compact"] as? String)
        #expect(detached.contains(".."))
        let outcome = await Harness.verify(
            detached, keyJSON: publicPart(try #require(input["key"] as? [String: Any])), algorithm: .hs256)
        #expect(!outcome.accepted, "§4.5 detached compact form was accepted")
    }

    @Test("RFC 8037 A.4 (curve25519/jws.json) verifies with the Ed25519 key and matches the RFC 7515-derived copy")
    func ed25519Example() async throws {
        let file = try Vectors.object("cookbook/curve25519/jws.json")
        let input = try #require(file["input"] as? [String: Any])
        let output = try #require(file["output"] as? [String: Any])
        let compact = try #require(output["compact"] as? String)
        let outcome = await Harness.verify(
            compact, keyJSON: publicPart(try #require(input["key"] as? [String: Any])), algorithm: .eddsa)
        #expect(outcome.accepted, "\(outcome)")
        #expect(outcome.payload == Array(try #require(input["payload"] as? String).utf8))
        #expect(compact == (try RFC7515ExampleTests.example("RFC8037-A.4").compact))
    }
}

// MARK: - RFC 7517 keys and RFC 7638 thumbprints

@Suite("RFC 7517 example keys and RFC 7638 thumbprints", .enabled(if: Vectors.enabled, Vectors.skipMessage))
struct RFC7517KeyTests {
    static func file() throws -> [String: Any] { try Vectors.object("derived/rfc7517_appendix_keys.json") }

    static func keys(_ name: String) throws -> [[String: Any]] {
        let set = try #require(try file()[name] as? [String: Any], "no \(name)")
        return try #require(set["keys"] as? [[String: Any]], "\(name) has no keys")
    }

    /// A.1 keys[0] without its `use:"enc"`, for the tests that need its key material (the RFC
    /// 7638 thumbprint ignores `use`). Verification always gets the key as published.
    static func withoutUse(_ jwk: [String: Any]) -> [String: Any] { jwk.filter { $0.key != "use" } }

    @Test("the RFC 7638 SHA-256 thumbprints of the A.1 keys equal KeyMaterial.thumbprint")
    func thumbprints() async throws {
        let expected = try #require(try Self.file()["rfc7638_thumbprints_sha256"] as? [String: String])
        let a1 = try Self.keys("A.1_public_jwks")
        let ec = try KeyMaterial.fromJWK(Harness.jwkMembers(Self.withoutUse(a1[0])), algorithm: .es256)
        let rsa = try KeyMaterial.fromJWK(Harness.jwkMembers(a1[1]))
        #expect(ec.thumbprint?.rawValue == expected["A.1 keys[0] (EC P-256, kid 1)"])
        #expect(rsa.thumbprint?.rawValue == expected["A.1 keys[1] (RSA, kid 2011-04-29)"])
        // RFC 7638 §3.1's example value, independent of the derived file.
        #expect(rsa.thumbprint?.rawValue == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        #expect(expected.count == 2)
    }

    @Test("the public keys derived from the A.2 private keys equal the A.1 public keys")
    func privateSetMatchesPublicSet() throws {
        let a1 = try Self.keys("A.1_public_jwks")
        let a2 = try Self.keys("A.2_private_jwks")
        let ecPrivate = try KeyMaterial.fromJWK(
            Harness.jwkMembers(Self.withoutUse(a2[0])), algorithm: .es256, allowPrivate: true)
        let ecPublic = try KeyMaterial.fromJWK(Harness.jwkMembers(Self.withoutUse(a1[0])), algorithm: .es256)
        let rsaPrivate = try KeyMaterial.fromJWK(Harness.jwkMembers(a2[1]), allowPrivate: true)
        let rsaPublic = try KeyMaterial.fromJWK(Harness.jwkMembers(a1[1]))
        #expect(ecPrivate.canSign && rsaPrivate.canSign)
        #expect(ecPrivate.hasPublicKey(ecPublic))
        #expect(rsaPrivate.hasPublicKey(rsaPublic))
        #expect(!rsaPrivate.hasPublicKey(ecPublic))
    }

    @Test("the use:\"enc\" key (A.1 keys[0], C.1) never verifies, even a token it signed itself")
    func encryptionKeyNeverVerifies() async throws {
        let a1 = try Self.keys("A.1_public_jwks")
        let a2 = try Self.keys("A.2_private_jwks")
        // A genuine ES256 signature by that key pair (signed with the private half, use removed).
        let signer = try SigningKey(
            jwk: Harness.jwkMembers(Self.withoutUse(a2[0])), algorithm: .es256, allowPrivate: true)
        let signingInput =
            Base64URL.encode(Array(#"{"alg":"ES256","kid":"1"}"#.utf8)) + "." + Base64URL.encode(Array("hello".utf8))
        let token = signingInput + "." + Base64URL.encode(try signer.rawSignature(Array(signingInput.utf8)))
        // Control: the same key without use:"enc" accepts it, so every rejection below is the use's.
        #expect(await Harness.verify(token, keyJSON: Self.withoutUse(a1[0]), algorithm: .es256).accepted)

        // As a single key, pinned or not: refused at import.
        #expect(throws: KeyError(.wrongPurpose, "")) {
            _ = try SigningKey(jwk: Harness.jwkMembers(a1[0]), algorithm: .es256)
        }
        #expect(!(await Harness.verify(token, keyJSON: a1[0], algorithm: .es256)).accepted)
        // In the A.1 set: strict import refuses the set; lenient import skips the key.
        #expect(!(await Harness.verify(token, keyJSON: ["keys": a1])).accepted)
        let lenient = try JWKSet(json: Harness.jsonBytes(["keys": a1]), strict: false)
        #expect(lenient.keys[KeyID("1")] == nil)
        #expect(lenient.keys[KeyID("2011-04-29")] != nil)
        #expect(lenient.skipped.count == 1)
        #expect(!Harness.verify(token, keys: lenient.keySet).accepted)
        // C.1 (use:"enc" RSA private key) cannot be imported for verification either.
        let c1 = try #require(try Self.file()["C.1_rsa_private_jwk"] as? [String: Any])
        #expect(throws: KeyError(.wrongPurpose, "")) {
            _ = try SigningKey(jwk: Harness.jwkMembers(publicPart(c1)), algorithm: .rs256)
        }
    }

    @Test("the A.3 A128KW oct key cannot verify HS256; the A.3 HMAC key is RFC 7515 A.1's")
    func keyWrapKeyCannotVerifyHS256() async throws {
        let a3 = try Self.keys("A.3_symmetric_jwks")
        let keyWrap = try Harness.jwkMembers(a3[0])
        #expect(keyWrap["alg"] == "A128KW")
        #expect(throws: KeyError.self) { _ = try SigningKey(jwk: keyWrap, algorithm: .hs256) }
        #expect(throws: KeyError.self) { _ = try SigningKey(jwk: keyWrap) }
        // Without its alg it would be a 16-byte HS256 secret: still refused (RFC 7518 §3.2).
        var unlabelled = keyWrap
        unlabelled["alg"] = nil
        #expect(throws: KeyError(.weakKey, "")) { _ = try SigningKey(jwk: unlabelled, algorithm: .hs256) }
        // The set holding it is refused in strict mode, and lenient mode never takes oct keys.
        #expect(throws: KeyError.self) {
            _ = try JWKSet(json: Harness.jsonBytes(["keys": a3]), strict: true)
        }
        #expect(try JWKSet(json: Harness.jsonBytes(["keys": a3]), strict: false).keys.isEmpty)

        // A.3 keys[1] is the HMAC key of RFC 7515 A.1: it verifies that example, the A128KW key does not.
        let a1Token = try RFC7515ExampleTests.example("RFC7515-A.1").compact
        #expect(await Harness.verify(a1Token, keyJSON: a3[1], algorithm: .hs256).accepted)
        #expect(!(await Harness.verify(a1Token, keyJSON: a3[0], algorithm: .hs256)).accepted)
        #expect(!(await Harness.verify(a1Token, keyJSON: a3[0])).accepted)
    }
}
