import Crypto
import FastAuthTesting
import JWTKit
import Testing

@testable import FastAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// The token hot path was tuned for throughput (docs/PERFORMANCE.md). These tests pin that the
// fast paths give exactly what the straightforward code gave: the same signatures as jwt-kit,
// the same headers as the generic parser, the same base64url and base36, the same errors.
@Suite("Fast path equivalence")
struct FastPathEquivalenceTests {
    static let algorithms = SigningAlgorithm.supported

    @Test(
        "SigningKey's primitive and jwt-kit's signer (the reference engine) accept each other's signatures",
        arguments: algorithms)
    func primitiveMatchesJWTKit(algorithm: SigningAlgorithm) async throws {
        let config = try TestFixtures.config(algorithm: algorithm)
        let service = try await TokenService(config: config)
        let key = try #require(service.keyRing.snapshot.access.signingKey)
        let reference = try await JWTKitReference.signer(for: key.material, id: key.id)
        let input = Array("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0".utf8)
        let ours = try key.rawSignature(input)
        let theirs = try reference.sign(input)
        #expect(try reference.verify(ours, signs: input))
        #expect(try input.withUnsafeBytes { try key.isValidSignature(theirs, over: $0) })
        // Deterministic algorithms (HMAC, RSA PKCS#1 v1.5, Ed25519) give byte-identical output.
        if algorithm.isSymmetric || algorithm.family == .rsaPKCS1 || algorithm == .eddsa { #expect(ours == theirs) }
        // The public half alone verifies both and cannot sign.
        if let publicMaterial = key.material.publicMaterial {
            let publicKey = try SigningKey(material: publicMaterial, id: key.id)
            #expect(try input.withUnsafeBytes { try publicKey.isValidSignature(ours, over: $0) })
            #expect(try input.withUnsafeBytes { try publicKey.isValidSignature(theirs, over: $0) })
            #expect(throws: KeyError.self) { try publicKey.rawSignature(input) }
        }
        // A throw counts as "invalid", as CompactJWS.verifySignature treats it.
        func accepts(_ signature: [UInt8]) -> Bool {
            (try? input.withUnsafeBytes { try key.isValidSignature(signature, over: $0) }) ?? false
        }
        var tampered = ours
        tampered[tampered.count / 2] ^= 0x01
        #expect(!accepts(tampered))
        #expect(!accepts(Array(ours.dropLast())))
        #expect(!accepts([]))
        #expect(!accepts(ours + [0]))

        let token = try await service.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s1"))
        let verified = try service.verifyAccessToken(token.token)
        #expect(verified.claims == token.claims)
    }

    @Test(
        "The wire engine and jwt-kit (the reference engine) accept each other's tokens, read the same claims, and agree on tampered ones",
        arguments: algorithms)
    func enginesAgree(algorithm: SigningAlgorithm) async throws {
        let config = try TestFixtures.config(algorithm: algorithm)
        let service = try await TokenService(config: config)
        let keys = service.keyRing.snapshot.access
        let key = try #require(keys.signingKey)
        let fast = FastJWSEngine(keys: keys.jws)
        let reference = try await JWTKitEngine(keys: Array(keys.verificationKeys.values))
        let engines: [any JWSEngine] = [fast, reference]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".utf8)
        for round in 0..<6 {
            let text = String(
                (0..<Int.random(in: 0...24, using: &generator)).map { _ in
                    Array("aZ09 \"\\/\n\té€😀<>&").randomElement(using: &generator) ?? "a"
                })
            let claims: JSONValue = .object([
                "sub": .string("user-\(round)"), "type": "access",
                "exp": .int(Int64.random(in: 1...4_000_000_000, using: &generator)),
                "aud": .array([.string(text), "api"]),
                "n": .int(Int64.random(in: -1_000_000...1_000_000, using: &generator)),
                "flag": .bool(Bool.random(using: &generator)), "text": .string(text), "none": .null,
                "nested": .object(["roles": ["admin", "user"], "level": 3]),
            ])
            let payload = claims.jsonBytes
            for signer in engines {
                let token = try await signer.sign(payload: payload, keyID: key.id)
                for verifier in engines {
                    let verified = try await verifier.verify(token, allowedAlgorithms: [algorithm])
                    #expect(try JSONValue(parsing: verified.payload) == claims, "\(signer.name) → \(verifier.name)")
                    #expect(verified.keyID == key.id)
                    #expect(verified.header.algorithm == algorithm.rawValue)
                }
                // The claims parser reads what jwt-kit wrote as it reads its own writer's output.
                let parsed = try TokenClaims.parse(try fast.verify(token, allowedAlgorithms: nil).payload.span)
                #expect(parsed.audience == [text, "api"])
                #expect(parsed.custom["text"] == .string(text))
                for _ in 0..<8 {
                    var bytes = Array(token.utf8)
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    bytes[index] = alphabet.filter { $0 != bytes[index] }.randomElement(using: &generator) ?? 0
                    let tampered = String(decoding: bytes, as: UTF8.self)
                    let ours = Result { () throws(TokenError) in
                        try fast.verify(tampered, allowedAlgorithms: [algorithm])
                    }
                    let theirs = await Self.outcome {
                        try await reference.verify(tampered, allowedAlgorithms: [algorithm])
                    }
                    switch (ours, theirs) {
                    case (.success(let a), .some(let b)):
                        #expect(a.payload == b.payload)
                    case (.success, nil):
                        Issue.record("\(algorithm): FastAuth accepted a tampered token jwt-kit rejects: \(tampered)")
                    case (.failure(let error), .some):
                        // FastAuth is stricter in one way only: base64url must be canonical
                        // (RFC 7515 §2), where jwt-kit ignores a last character's unused bits.
                        #expect(error.code == .malformed, "\(algorithm): only jwt-kit accepted \(tampered): \(error)")
                    case (.failure, nil): break
                    }
                }
            }
        }
    }

    static func outcome(_ verify: () async throws -> VerifiedJWS) async -> VerifiedJWS? {
        try? await verify()
    }

    @Test("PreparedHMAC is swift-crypto's HMAC, for short, block-sized and long keys")
    func preparedHMAC() {
        var generator = SystemRandomNumberGenerator()
        for keyLength in [0, 1, 31, 32, 33, 48, 63, 64, 65, 127, 128, 129, 200] {
            let key = SymmetricKey(data: (0..<keyLength).map { _ in UInt8.random(in: 0...255, using: &generator) })
            for messageLength in [0, 1, 55, 56, 63, 64, 65, 300, 1000] {
                let message = (0..<messageLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                do {
                    let bytes = message.span
                    #expect(
                        Array(PreparedHMAC<SHA256>(key: key).authenticationCode(for: bytes))
                            == Array(HMAC<SHA256>.authenticationCode(for: message, using: key)))
                    #expect(
                        Array(PreparedHMAC<SHA384>(key: key).authenticationCode(for: bytes))
                            == Array(HMAC<SHA384>.authenticationCode(for: message, using: key)))
                    #expect(
                        Array(PreparedHMAC<SHA512>(key: key).authenticationCode(for: bytes))
                            == Array(HMAC<SHA512>.authenticationCode(for: message, using: key)))
                }
            }
        }
    }

    @Test("A public RSA key verifies but cannot sign")
    func publicRSAKey() async throws {
        let material = try KeyMaterial.generate(algorithm: .rs256)
        let privateKey = try SigningKey(material: material)
        let publicKey = try SigningKey(material: try #require(material.publicMaterial))
        let input = Array("header.payload".utf8)
        let signature = try privateKey.rawSignature(input)
        #expect(try input.withUnsafeBytes { try publicKey.isValidSignature(signature, over: $0) })
        #expect(throws: (any Error).self) { try publicKey.rawSignature(input) }
    }

    @Test("A key's pre-parsed header is what the parser makes of its encoded header", arguments: algorithms)
    func preParsedHeader(algorithm: SigningAlgorithm) async throws {
        let config = try TestFixtures.config(algorithm: algorithm)
        let service = try await TokenService(config: config)
        let key = try #require(service.keyRing.snapshot.access.signingKey)
        let decoded = try #require(Base64URL.decode(String(decoding: key.encodedHeader, as: UTF8.self)))
        let parsed = try decoded.withUnsafeBufferPointer { bytes throws(TokenError) in try TokenHeader.parse(bytes.span)
        }
        #expect(key.header == parsed)
    }

    @Test("A token whose header differs from the key's own still verifies through the parser")
    func foreignHeaderEncoding() async throws {
        let config = try TestFixtures.config(algorithm: .hs256)
        let clock = ManualClock()
        let service = try await TokenService(config: config, clock: clock)
        let key = try #require(service.keyRing.snapshot.access.signingKey)
        let now = clock.now().unixSeconds
        let claims: [String: JSONValue] = [
            "sub": "u1", "type": "access", "exp": .int(now + 60), "iss": "https://auth.example.test", "aud": ["api"],
        ]
        // Same members, different order and an extra member: not the key's bytes.
        let token = try TestFixtures.forge(
            header: ["kid": .string(key.id.rawValue), "alg": "HS256", "typ": "JWT", "x": 1], claims: claims, key: key)
        let verified = try service.verifyAccessToken(token)
        #expect(verified.header.members["x"] == 1)
        let none = try TestFixtures.forge(
            header: ["kid": .string(key.id.rawValue), "alg": "nOnE"], claims: claims, key: key)
        #expect(throws: TokenError.self) { try service.verifyAccessToken(none) }
    }

    @Test("Duplicate claims are refused, registered and custom alike")
    func duplicateClaims() throws {
        for json in [
            #"{"sub":"a","sub":"b","type":"access","exp":1}"#,
            #"{"sub":"a","type":"access","exp":1,"exp":2}"#,
            #"{"sub":"a","type":"access","exp":1,"x":1,"x":1}"#,
            #"{"sub":"a","type":"access","exp":1,"email":null,"email":"a@b.c"}"#,
        ] {
            let error = Array(json.utf8).withUnsafeBufferPointer { bytes in
                Result { () throws(TokenError) in try TokenClaims.parse(bytes.span) }
            }
            guard case .failure(let failure) = error else {
                Issue.record("accepted \(json)")
                continue
            }
            #expect(failure.code == .invalidClaims)
            #expect(failure.reason.contains("duplicate member"))
        }
        // A registered name spelled with escapes is still that claim, and still a duplicate.
        let escaped = Array(#"{"s\u0075b":"a","type":"access","exp":1}"#.utf8).withUnsafeBufferPointer { bytes in
            Result { () throws(TokenError) in try TokenClaims.parse(bytes.span) }
        }
        #expect(try escaped.get().subject == "a")
        #expect(try escaped.get().custom.isEmpty)
        let escapedDuplicate = Array(#"{"sub":"a","s\u0075b":"b","type":"access","exp":1}"#.utf8)
            .withUnsafeBufferPointer { bytes in Result { () throws(TokenError) in try TokenClaims.parse(bytes.span) } }
        #expect(throws: TokenError.self) { try escapedDuplicate.get() }
        #expect(throws: JSONParseError(reason: #"duplicate member "a""#, offset: 10)) {
            try JSONValue(parsing: #"{"a":1,"a":2}"#)
        }
    }

    @Test("aud: strings or a list of strings, the parser's errors otherwise")
    func audience() throws {
        func parse(_ aud: String) -> Result<TokenClaims, TokenError> {
            Array(#"{"sub":"a","type":"access","exp":1,"aud":\#(aud)}"#.utf8).withUnsafeBufferPointer { bytes in
                Result { () throws(TokenError) in try TokenClaims.parse(bytes.span) }
            }
        }
        #expect(try parse(#""api""#).get().audience == ["api"])
        #expect(try parse(#"["a","b"]"#).get().audience == ["a", "b"])
        #expect(try parse("[]").get().audience == [])
        for (aud, reason) in [
            (#"["a",1]"#, "aud must hold strings"), (#"[{"x":[]}]"#, "aud must hold strings"),
            ("1", "aud must be a string or a list"), ("null", "aud must be a string or a list"),
            (#"{"a":1}"#, "aud must be a string or a list"), (#"["a",]"#, "invalid value"), (#"[1,}"#, "invalid value"),
            (#"["a" "b"]"#, "expected ',' or ']'"),
        ] {
            guard case .failure(let error) = parse(aud) else {
                Issue.record("accepted aud \(aud)")
                continue
            }
            #expect(error.reason.hasSuffix(reason), "aud \(aud): \(error.reason)")
        }
    }

    @Test("Segments are counted exactly")
    func segments() async throws {
        let config = try TestFixtures.config(algorithm: .hs256)
        let service = try await TokenService(config: config)
        for (token, reason) in [
            ("a.b", "this one has 2"), ("a.b.c.d", "this one has 4"), ("....", "this one has 5"),
            ("", "this one has 1"),
            ("abc", "this one has 1"),
        ] {
            do {
                _ = try service.verifyAccessToken(token)
                Issue.record("accepted \(token)")
            } catch {
                #expect(error.code == .malformed)
                #expect(error.reason.hasSuffix(reason), "\(token): \(error.reason)")
            }
        }
        do {
            _ = try service.verifyAccessToken(".e30.c2ln")
            Issue.record("accepted an empty header")
        } catch {
            #expect(error.reason == "the header segment is empty")
        }
    }

    @Test("base64url round-trips and stays strict")
    func base64url() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<80 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let encoded = Base64URL.encode(bytes)
            #expect(encoded == Self.referenceBase64URL(bytes))
            #expect(Base64URL.decode(encoded) == bytes)
        }
        for bad in ["A", "AAAAA", "AB==", "AB=", "A+", "A/", "A B", "AB\u{0}", "AR", "AAB", "é"] {
            #expect(Base64URL.decode(bad) == nil, "accepted \(bad)")
        }
        #expect(Base64URL.decode("") == [])
        #expect(Base64URL.decode("AQ") == [1])
        #expect(Base64URL.decode("AAE") == [0, 1])
    }

    static func referenceBase64URL(_ bytes: [UInt8]) -> String {
        String(
            Data(bytes).base64EncodedString().compactMap { character -> Character? in
                switch character {
                case "+": "-"
                case "/": "_"
                case "=": nil
                default: character
                }
            })
    }

    @Test("base36 of a digest matches schoolbook division")
    func base36() {
        var generator = SystemRandomNumberGenerator()
        for count in [0, 1, 7, 8, 9, 31, 32, 63, 64, 65] {
            for _ in 0..<20 {
                var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if count > 2, Bool.random(using: &generator) { bytes[0] = 0 }
                #expect(CUID2Generator.base36(of: bytes) == Self.referenceBase36(bytes))
            }
        }
        #expect(CUID2Generator.base36(of: [0, 0]) == Array("0".utf8))
        #expect(CUID2Generator.base36(of: [36]) == Array("10".utf8))
    }

    static func referenceBase36(_ bytes: [UInt8]) -> [UInt8] {
        let digits = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)
        var number = bytes
        var output: [UInt8] = []
        while number.contains(where: { $0 != 0 }) {
            var remainder = 0
            for index in number.indices {
                let value = remainder * 256 + Int(number[index])
                number[index] = UInt8(value / 36)
                remainder = value % 36
            }
            output.append(digits[remainder])
        }
        return output.isEmpty ? [UInt8(ascii: "0")] : output.reversed()
    }

    @Test("cuid2 ids keep their shape and stay unique")
    func cuid2() {
        let generator = CUID2Generator()
        var seen = Set<String>()
        for _ in 0..<2000 {
            let id = generator.next()
            #expect(id.utf8.count == 24)
            #expect(id.utf8.first.map { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) } == true)
            #expect(
                id.utf8.allSatisfy {
                    (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0)
                        || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                })
            seen.insert(id)
        }
        #expect(seen.count == 2000)
        #expect(CUID2Generator(length: 32).next().utf8.count == 32)
        #expect(CUID2Generator(length: 2).next().utf8.count == 2)
    }
}
