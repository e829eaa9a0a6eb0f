import FastAuth
import FastAuthTesting
import Foundation
import Testing

/// Running `Tests/Interop/interop.py` with the `python3` found on `PATH`.
enum Interop {
    /// `FASTAUTH_REQUIRE_INTEROP=1` (CI): missing Python libraries fail the tests instead of skipping them.
    static let required = ProcessInfo.processInfo.environment["FASTAUTH_REQUIRE_INTEROP"] == "1"

    static let script = Vectors.packageRoot.appendingPathComponent("Tests/Interop/interop.py")

    static let installHint = "python3 with PyJWT and joserfc (pip install pyjwt joserfc cryptography)"

    /// `true` when `python3 -c "import jwt, joserfc"` succeeds.
    static let pythonAvailable: Bool = {
        // Evaluated once, before any test runs: a short blocking check is fine here.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import jwt, joserfc, cryptography"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// The tests run when Python is usable, or when CI demands them (then they fail without it).
    static let enabled = pythonAvailable || required

    static let skipMessage: Comment =
        "\(installHint) not available; set FASTAUTH_REQUIRE_INTEROP=1 to make this a failure"

    /// Fails the test when Python is missing (only reachable with FASTAUTH_REQUIRE_INTEROP=1).
    static func requirePython() throws {
        try #require(
            pythonAvailable,
            "FASTAUTH_REQUIRE_INTEROP=1 but `python3 -c \"import jwt, joserfc, cryptography\"` fails: install \(installHint)"
        )
    }

    /// Runs `python3 <arguments>` (found via PATH through /usr/bin/env), off the concurrency pool.
    static func python(_ arguments: [String]) async throws -> (status: Int32, stdout: Data, stderr: String) {
        let output = try await ChildProcess.run("/usr/bin/env", ["python3"] + arguments)
        return (output.status, output.stdout, output.stderr)
    }

    /// Runs `interop.py <command> <directory>` and parses its JSON output.
    static func run(_ command: String, in directory: URL) async throws -> [String: Any] {
        let result = try await python([script.path, command, directory.path])
        try #require(result.status == 0, "interop.py \(command) exited with \(result.status):\n\(result.stderr)")
        let value = try JSONSerialization.jsonObject(with: result.stdout)
        return try #require(value as? [String: Any], "interop.py \(command) printed no JSON object:\n\(result.stderr)")
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fastauth-interop-\(UUID())", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func write(_ object: [String: Any], to url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }
}

@Suite("Interop with PyJWT and joserfc", .enabled(if: Interop.enabled, Interop.skipMessage))
struct InteropTests {
    static let algorithms: [SigningAlgorithm] = [.hs256, .rs256, .ps256, .es256, .eddsa]
    static let issuer = "https://auth.example.test"
    static let audience = ["api"]

    /// A FastAuth engine for `algorithm` (HS* with the fixture secret, else a fresh PEM key).
    static func service(_ algorithm: SigningAlgorithm) async throws -> TokenService {
        try await TokenService(config: TestFixtures.config(algorithm: algorithm, issuer: issuer, audience: audience))
    }

    @Test("access tokens FastAuth issues (HS256, RS256, PS256, ES256, EdDSA) verify in PyJWT and in joserfc")
    func fastAuthTokensVerifyInPython() async throws {
        try Interop.requirePython()
        let directory = try Interop.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        let user = TestFixtures.user()
        var issued: [String: IssuedToken] = [:]
        var cases: [[String: Any]] = []
        for algorithm in Self.algorithms {
            let service = try await Self.service(algorithm)
            let token = try await service.issueAccessToken(for: user, sessionID: SessionID.generate())
            issued[algorithm.rawValue] = token
            let key: String =
                algorithm.isSymmetric
                ? service.config.secret
                : try #require(service.config.staticPrivateKey?.publicKeyPEM, "no public PEM for \(algorithm)")
            cases.append([
                "alg": algorithm.rawValue, "token": token.token, "key": key, "issuer": Self.issuer,
                "audience": Self.audience,
            ])
        }
        try Interop.write(["cases": cases], to: directory.appendingPathComponent("verify_input.json"))

        let output = try await Interop.run("verify", in: directory)
        let results = try #require(output["results"] as? [[String: Any]])
        #expect(results.count == Self.algorithms.count)
        print("interop verify: \(output["versions"] ?? "?")")
        for result in results {
            let algorithm = try #require(result["alg"] as? String)
            let expected = try #require(issued[algorithm])
            for library in ["pyjwt", "joserfc"] {
                let verdict = try #require(result[library] as? [String: Any])
                #expect(
                    verdict["ok"] as? Bool == true,
                    "\(library) refused FastAuth's \(algorithm) token: \(verdict["error"] ?? "")")
                let claims = verdict["claims"] as? [String: Any] ?? [:]
                #expect(claims["sub"] as? String == user.id.rawValue, "\(library) \(algorithm): sub")
                #expect(claims["jti"] as? String == expected.claims.tokenID, "\(library) \(algorithm): jti")
                #expect(claims["sid"] as? String == expected.claims.sessionID, "\(library) \(algorithm): sid")
                #expect(claims["type"] as? String == "access", "\(library) \(algorithm): type")
                #expect(claims["email"] as? String == user.email, "\(library) \(algorithm): email")
                #expect(claims["aud"] as? [String] == Self.audience, "\(library) \(algorithm): aud")
                // Control: the same library refuses the token for another audience.
                let control = try #require(result["\(library)_wrong_audience"] as? [String: Any])
                #expect(
                    control["ok"] as? Bool == false,
                    "\(library) accepted FastAuth's \(algorithm) token for the wrong audience")
            }
        }
    }

    @Test(
        "tokens PyJWT and joserfc sign with FastAuth's claims and keys verify in FastAuth; PyJWT tokens with a wrong aud or expired are refused"
    )
    func pythonTokensVerifyInFastAuth() async throws {
        try Interop.requirePython()
        let directory = try Interop.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }

        let user = TestFixtures.user(name: "Ada Lovelace")
        let sessionID = SessionID.generate()
        var services: [String: TokenService] = [:]
        var cases: [[String: Any]] = []
        for algorithm in Self.algorithms {
            let service = try await Self.service(algorithm)
            services[algorithm.rawValue] = service
            var entry: [String: Any] = [
                "alg": algorithm.rawValue, "subject": user.id.rawValue, "session_id": sessionID.rawValue,
                "email": user.email, "name": user.name.map { $0 as Any } ?? NSNull(), "email_verified": true,
            ]
            if algorithm.isSymmetric {
                // HS*: the shared secret and no kid (FastAuth accepts kid-less tokens with the current secret).
                entry["secret"] = service.config.secret
            } else {
                // Asymmetric: FastAuth requires a kid, the RFC 7638 thumbprint of the key.
                let material = try #require(service.config.staticPrivateKey)
                let privateKeyPEM: String = try #require(material.privateKeyPEM)
                entry["private_key"] = privateKeyPEM
                entry["kid"] = try #require(material.thumbprint).rawValue
                #expect(service.keyRing.snapshot.access.signingKey?.id == material.thumbprint)
            }
            cases.append(entry)
        }
        try Interop.write(
            ["issuer": Self.issuer, "audience": Self.audience, "cases": cases],
            to: directory.appendingPathComponent("sign_input.json"))

        let output = try await Interop.run("sign", in: directory)
        let tokens = try #require(output["tokens"] as? [[String: Any]])
        print("interop sign: \(output["versions"] ?? "?")")
        var seen: [String: Int] = [:]
        for entry in tokens {
            let algorithm = try #require(entry["alg"] as? String)
            let library = try #require(entry["library"] as? String)
            let kind = try #require(entry["kind"] as? String)
            seen[kind, default: 0] += 1
            let label = "\(library) \(algorithm) \(kind)"
            guard let token = entry["token"] as? String else {
                Issue.record("\(label): Python could not sign: \(entry["error"] ?? "")")
                continue
            }
            let service = try #require(services[algorithm])
            switch kind {
            case "valid":
                do {
                    let verified = try service.verifyAccessToken(token)
                    #expect(verified.claims.subject == user.id.rawValue, "\(label): sub")
                    #expect(verified.claims.sessionID == sessionID.rawValue, "\(label): sid")
                    #expect(verified.claims.type == .access, "\(label): type")
                    #expect(verified.claims.issuer == Self.issuer, "\(label): iss")
                    #expect(verified.claims.audience == Self.audience, "\(label): aud")
                    #expect(verified.claims.email == user.email, "\(label): email")
                    #expect(verified.claims.name == user.name, "\(label): name")
                    #expect(verified.claims.emailVerified == true, "\(label): email_verified")
                    #expect(verified.claims.tokenID?.isEmpty == false, "\(label): jti")
                    #expect(verified.header.algorithm == algorithm, "\(label): alg")
                } catch {
                    Issue.record("\(label): FastAuth refused it: \(error)")
                }
            case "wrong_audience":
                #expect(throws: TokenError(.invalidAudience, ""), "\(label) was accepted") {
                    try service.verifyAccessToken(token)
                }
            case "expired":
                #expect(throws: TokenError(.expired, ""), "\(label) was accepted") {
                    try service.verifyAccessToken(token)
                }
            default:
                Issue.record("\(label): unknown kind")
            }
        }
        let count = Self.algorithms.count
        #expect(seen == ["valid": 2 * count, "wrong_audience": count, "expired": count])
    }
}
