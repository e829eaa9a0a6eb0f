import ArgumentParser
import FastAuth
import FastAuthTesting
import Foundation
import Testing

@testable import fastauth

@Suite("fastauth CLI")
struct CLITests {
    private func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "fastauth-cli-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("generate-secret prints N random bytes as URL-safe base64 and refuses fewer than 32")
    func generateSecret() throws {
        let secret = try SecretGenerator.generate(byteCount: 64)
        #expect(Base64URL.decode(secret)?.count == 64)
        #expect(try SecretGenerator.generate(byteCount: 32) != SecretGenerator.generate(byteCount: 32))
        #expect(throws: (any Error).self) { try GenerateSecretCommand.parse(["--length", "31"]) }
        #expect(throws: (any Error).self) { try GenerateSecretCommand.parse(["--length", "many"]) }
        #expect(throws: Never.self) { try GenerateSecretCommand.parse(["--length", "32"]) }
    }

    @Test(
        "generate-keys writes private.pem 0600 and public.pem, returns the thumbprint kid, and will not overwrite",
        arguments: [SigningAlgorithm.rs256, .ps256, .es256, .es384, .eddsa])
    func generateKeys(algorithm: SigningAlgorithm) throws {
        let directory = temporaryDirectory()
        let kid = try KeyFiles.generate(algorithm: algorithm, rsaBits: 2048, directory: directory, overwrite: false)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/private.pem")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        let privatePEM = try String(contentsOfFile: directory + "/private.pem", encoding: .utf8)
        let publicPEM = try String(contentsOfFile: directory + "/public.pem", encoding: .utf8)
        let material = try KeyMaterial.privateKey(pem: privatePEM, algorithm: algorithm)
        #expect(material.thumbprint == kid)
        #expect(try KeyMaterial.publicKey(pem: publicPEM, algorithm: algorithm).thumbprint == kid)
        #expect(throws: (any Error).self) {
            try KeyFiles.generate(algorithm: algorithm, rsaBits: 2048, directory: directory, overwrite: false)
        }
        let replaced = try KeyFiles.generate(algorithm: algorithm, rsaBits: 2048, directory: directory, overwrite: true)
        #expect(replaced != kid)
    }

    @Test("generate-keys rejects unknown algorithms and sizes")
    func generateKeysArguments() {
        #expect(throws: (any Error).self) { try GenerateKeysCommand.parse(["--algorithm", "HS256"]) }
        #expect(throws: (any Error).self) { try GenerateKeysCommand.parse(["--bits", "1024"]) }
        #expect(throws: Never.self) { try GenerateKeysCommand.parse(["--algorithm", "EdDSA", "--out", "/tmp/x"]) }
    }

    @Test("token inspect shows claims and says which rule failed")
    func inspectWithSecret() async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        let now = h.clock.now()
        let ok = try await InspectTokenCommand.report(
            token: token, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil,
            issuer: "https://auth.example.test",
            audience: ["api"], type: nil, leeway: 30, now: now)
        #expect(ok.exitCode == 0)
        #expect(ok.text.contains("\"sub\": \"\(h.user.id.rawValue)\""))
        #expect(ok.text.contains("Verification: OK"))
        let expired = try await InspectTokenCommand.report(
            token: token, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: [],
            type: nil, leeway: 30, now: now.addingTimeInterval(3600))
        #expect(expired.exitCode == 1)
        #expect(expired.text.contains("[expired, verification rule 3]"))
        let wrongAudience = try await InspectTokenCommand.report(
            token: token, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: ["other"],
            type: nil, leeway: 30, now: now)
        #expect(wrongAudience.text.contains("rule 4"))
        let refresh = try await h.service.issueRefreshToken(for: h.user, sessionID: SessionID("s1")).token
        let refreshReport = try await InspectTokenCommand.report(
            token: refresh, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: [],
            type: nil, leeway: 30, now: now)
        #expect(refreshReport.text.contains("refresh token"))
        let asAccess = try await InspectTokenCommand.report(
            token: refresh, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: [],
            type: .access, leeway: 30, now: now)
        #expect(asAccess.exitCode == 1)
    }

    @Test("token inspect says when an HS token fails because the secret differs")
    func inspectWithOtherSecret() async throws {
        let h = try await Harness()
        let token = try await h.accessToken().token
        let other = String(repeating: "x", count: 48)
        let report = try await InspectTokenCommand.report(
            token: token, secret: other, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: [], type: nil, leeway: 30,
            now: h.clock.now())
        #expect(report.exitCode == 1)
        #expect(report.text.contains("unknown_kid"))
        #expect(report.text.contains("Hint: the token's kid hs-"))
        #expect(report.text.contains("signed with a different secret"))
        let right = try await InspectTokenCommand.report(
            token: token, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: [],
            type: nil,
            leeway: 30, now: h.clock.now())
        #expect(!right.text.contains("Hint:"))
    }

    @Test("serve warns in one line when it runs from a debug build, and only then")
    func debugBuildWarning() {
        #if DEBUG
        let warning = ServeCommand.buildWarning
        #expect(warning?.contains("debug build") == true)
        #expect(warning?.contains("\n") == false)
        #else
        #expect(ServeCommand.buildWarning == nil)
        #endif
    }

    @Test("run errors print every line of the message under one fastauth: error: line")
    func errorReport() {
        #expect(
            FastAuthCommand.errorReport("invalid FastAuth configuration:\n  - secret is too short\n  - bad TTL")
                == "fastauth: error: invalid FastAuth configuration:\n  - secret is too short\n  - bad TTL")
        #expect(FastAuthCommand.errorReport("one line") == "fastauth: error: one line")
    }

    @Test("token inspect verifies with a public key file and with a JWKS")
    func inspectWithPublicKey() async throws {
        let h = try await Harness(algorithm: .rs256)
        let token = try await h.accessToken().token
        let key = try h.accessKey
        let pem = try #require(key.material.publicKeyPEM)
        let report = try await InspectTokenCommand.report(
            token: token, secret: nil, publicKeyPEM: pem, jwks: nil, issuer: nil, audience: [], type: nil, leeway: 30,
            now: h.clock.now())
        #expect(report.exitCode == 0)
        let jwks = JSONValue.object(["keys": [.object(try #require(key.publicJWK))]]).jsonString
        let viaJWKS = try await InspectTokenCommand.report(
            token: token, secret: nil, publicKeyPEM: nil, jwks: jwks, issuer: nil, audience: [], type: nil, leeway: 30,
            now: h.clock.now())
        #expect(viaJWKS.exitCode == 0)
        let other = try #require(try KeyMaterial.generate(algorithm: .rs256).publicKeyPEM)
        let wrongKey = try await InspectTokenCommand.report(
            token: token, secret: nil, publicKeyPEM: other, jwks: nil, issuer: nil, audience: [], type: nil, leeway: 30,
            now: h.clock.now())
        #expect(wrongKey.exitCode == 1)
        #expect(wrongKey.text.contains("unknown_kid"))
    }

    @Test(
        "token inspect reports undecodable input without crashing", arguments: ["", "abc", "a.b.c", "...", "eyJ.eyJ.x"])
    func inspectGarbage(token: String) async throws {
        let report = try await InspectTokenCommand.report(
            token: token, secret: TestFixtures.secret, publicKeyPEM: nil, jwks: nil, issuer: nil, audience: [],
            type: nil,
            leeway: 30)
        #expect(report.exitCode == 2)
        #expect(report.text.contains("Cannot decode"))
    }

    @Test("token inspect refuses two key sources at once")
    func inspectArguments() {
        #expect(throws: (any Error).self) { try InspectTokenCommand.parse(["t", "--secret", "s", "--jwks", "f"]) }
        #expect(throws: (any Error).self) { try InspectTokenCommand.parse(["t", "--type", "id"]) }
    }
}
