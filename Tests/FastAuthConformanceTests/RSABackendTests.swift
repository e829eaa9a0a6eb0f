import FastAuth
import FastAuthTesting
import Foundation
import Testing

/// RSA signing through the system's OpenSSL 3 (loaded at run time) and through BoringSSL:
/// interchangeable signatures, checked by each other and by PyJWT/joserfc (OpenSSL underneath).
@Suite("RSA signing backends: OpenSSL 3 (dlopen) and BoringSSL")
struct RSABackendTests {
    static let algorithms: [SigningAlgorithm] = [.rs256, .rs384, .rs512, .ps256, .ps384, .ps512]

    /// On CI (FASTAUTH_REQUIRE_INTEROP=1) the machine has libcrypto.so.3, so OpenSSL must load.
    static func requireOpenSSL() throws {
        if Interop.required {
            try #require(
                RSASigningBackend.isOpenSSLAvailable, "FASTAUTH_REQUIRE_INTEROP=1 but libcrypto.so.3 does not load")
        }
    }

    /// The same key material prepared for each backend.
    static func keyPair(
        _ algorithm: SigningAlgorithm
    ) async throws -> (
        material: KeyMaterial, openSSL: SigningKey, boringSSL: SigningKey
    ) {
        let material = try KeyMaterial.generate(algorithm: algorithm)
        let openSSL = try SigningKey(material: material, id: nil, rsaBackend: .openSSL)
        let boringSSL = try SigningKey(material: material, id: nil, rsaBackend: .boringSSL)
        return (material, openSSL, boringSSL)
    }

    @Test("FASTAUTH_CRYPTO: unset or auto takes OpenSSL when it loads, boringssl forces the fallback, junk is an error")
    func environmentChoosesTheBackend() throws {
        let automatic: RSASigningBackend = RSASigningBackend.isOpenSSLAvailable ? .openSSL : .boringSSL
        #expect(try RSASigningBackend.resolve(environment: [:]) == automatic)
        #expect(try RSASigningBackend.resolve(environment: ["FASTAUTH_CRYPTO": "auto"]) == automatic)
        #expect(try RSASigningBackend.resolve(environment: ["FASTAUTH_CRYPTO": "boringssl"]) == .boringSSL)
        #expect(try RSASigningBackend.resolve(environment: ["FASTAUTH_CRYPTO": " BoringSSL "]) == .boringSSL)
        let junk = #expect(throws: ConfigurationError.self) {
            try RSASigningBackend.resolve(environment: ["FASTAUTH_CRYPTO": "libressl"])
        }
        #expect(junk?.description.contains("auto, openssl or boringssl") == true)
        if RSASigningBackend.isOpenSSLAvailable {
            #expect(try RSASigningBackend.resolve(environment: ["FASTAUTH_CRYPTO": "openssl"]) == .openSSL)
            #expect(RSASigningBackend.openSSLVersion?.hasPrefix("OpenSSL 3.") == true)
            #expect(RSASigningBackend.describe(.openSSL).contains("OpenSSL 3."))
        } else {
            #expect(throws: ConfigurationError.self) {
                try RSASigningBackend.resolve(environment: ["FASTAUTH_CRYPTO": "openssl"])
            }
        }
        #expect(RSASigningBackend.describe(.boringSSL) == "RSA signing: BoringSSL (swift-crypto)")
    }

    @Test(
        "a key made for BoringSSL signs with BoringSSL; for OpenSSL with OpenSSL when it loads", arguments: algorithms)
    func keysReportTheirBackend(_ algorithm: SigningAlgorithm) async throws {
        try Self.requireOpenSSL()
        let keys = try await Self.keyPair(algorithm)
        #expect(keys.boringSSL.rsaSigningBackend == .boringSSL)
        #expect(keys.openSSL.rsaSigningBackend == (RSASigningBackend.isOpenSSLAvailable ? .openSSL : .boringSSL))
        // Public keys and non-RSA keys have no signing backend.
        let publicKey = try SigningKey(material: try #require(keys.material.publicMaterial))
        #expect(publicKey.rsaSigningBackend == nil)
        let ecdsa = try SigningKey(material: try KeyMaterial.generate(algorithm: .es256))
        #expect(ecdsa.rsaSigningBackend == nil)
    }

    @Test(
        "each backend verifies the other's signatures; PKCS#1 v1.5 signatures are byte-identical", arguments: algorithms
    )
    func signaturesAreInterchangeable(_ algorithm: SigningAlgorithm) async throws {
        try Self.requireOpenSSL()
        let keys = try await Self.keyPair(algorithm)
        for length in [0, 1, 73, 1_000] {
            let input = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let fromOpenSSL = try keys.openSSL.rawSignature(input)
            let fromBoringSSL = try keys.boringSSL.rawSignature(input)
            #expect(fromOpenSSL.count == 256 && fromBoringSSL.count == 256)
            for verifier in [keys.openSSL, keys.boringSSL] {
                #expect(try input.withUnsafeBytes { try verifier.isValidSignature(fromOpenSSL, over: $0) })
                #expect(try input.withUnsafeBytes { try verifier.isValidSignature(fromBoringSSL, over: $0) })
            }
            if algorithm.family == .rsaPKCS1 {
                #expect(fromOpenSSL == fromBoringSSL, "PKCS#1 v1.5 is deterministic: both must agree byte for byte")
            }
            // A flipped bit is refused whichever backend signed.
            var tampered = fromOpenSSL
            tampered[100] ^= 0x01
            #expect(try input.withUnsafeBytes { try !keys.boringSSL.isValidSignature(tampered, over: $0) })
        }
    }

    @Test(
        "PSS salts are random: two OpenSSL signatures of one input differ and both verify",
        arguments: [
            SigningAlgorithm.ps256, .ps384, .ps512,
        ])
    func pssSaltsAreRandom(_ algorithm: SigningAlgorithm) async throws {
        try Self.requireOpenSSL()
        let keys = try await Self.keyPair(algorithm)
        let input = Array("header.payload".utf8)
        let first = try keys.openSSL.rawSignature(input)
        let second = try keys.openSSL.rawSignature(input)
        #expect(first != second)
        for signature in [first, second] {
            #expect(try input.withUnsafeBytes { try keys.boringSSL.isValidSignature(signature, over: $0) })
        }
    }

    @Test(
        "tokens signed by either backend verify in PyJWT and joserfc, for every RS and PS algorithm",
        .enabled(if: Interop.enabled, Interop.skipMessage))
    func pythonVerifiesBothBackends() async throws {
        try Interop.requirePython()
        try Self.requireOpenSSL()
        let directory = try Interop.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let issuer = "https://auth.example.test"
        let now = Int(Date().timeIntervalSince1970)
        var cases: [[String: Any]] = []
        var labels: [String] = []
        for algorithm in Self.algorithms {
            let keys = try await Self.keyPair(algorithm)
            let pem = try #require(keys.material.publicKeyPEM)
            for (backend, key) in [("openssl", keys.openSSL), ("boringssl", keys.boringSSL)] {
                let header = Base64URL.encode(
                    Array(#"{"alg":"\#(algorithm.rawValue)","typ":"JWT","kid":"\#(key.id.rawValue)"}"#.utf8))
                let payload = Base64URL.encode(
                    Array(
                        #"{"sub":"u1","iss":"\#(issuer)","aud":["api"],"iat":\#(now),"exp":\#(now + 600)}"#.utf8))
                let signature = try key.rawSignature(Array("\(header).\(payload)".utf8))
                cases.append([
                    "alg": algorithm.rawValue, "token": "\(header).\(payload).\(Base64URL.encode(signature))",
                    "key": pem, "issuer": issuer, "audience": ["api"],
                ])
                labels.append("\(algorithm) via \(backend)")
            }
        }
        try Interop.write(["cases": cases], to: directory.appendingPathComponent("verify_input.json"))
        let output = try await Interop.run("verify", in: directory)
        let results = try #require(output["results"] as? [[String: Any]])
        try #require(results.count == cases.count)
        for (label, result) in zip(labels, results) {
            for library in ["pyjwt", "joserfc"] {
                let verdict = try #require(result[library] as? [String: Any])
                #expect(verdict["ok"] as? Bool == true, "\(library) refused \(label): \(verdict["error"] ?? "")")
                let control = try #require(result["\(library)_wrong_audience"] as? [String: Any])
                #expect(control["ok"] as? Bool == false, "\(library) accepted \(label) for another audience")
            }
        }
    }
}
