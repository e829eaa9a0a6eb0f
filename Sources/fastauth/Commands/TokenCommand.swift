import ArgumentParser
import FastAuth
import Foundation

struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Work with tokens.", subcommands: [InspectTokenCommand.self])
}

struct InspectTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a token's header and claims, and whether it verifies.",
        discussion: """
            Without a key the token is only decoded (nothing it says is trusted). With --secret, \
            --public-key or --jwks it is verified with every rule FastAuth applies; when it fails, \
            the failed rule is named. Exit status: 0 decoded/verified, 1 does not verify, \
            2 cannot be decoded.
            """)

    @Argument(help: "The compact JWT.")
    var token: String

    @Option(name: .long, help: "The HMAC secret (HS* access tokens; FastAuth refresh tokens).")
    var secret: String?

    @Option(name: .customLong("public-key"), help: "A PEM public (or private) key file.")
    var publicKey: String?

    @Option(name: .long, help: "A JWKS file (e.g. a saved /.well-known/jwks.json).")
    var jwks: String?

    @Option(name: .long, help: "The required issuer (iss).")
    var issuer: String?

    @Option(name: .long, help: "An accepted audience (aud); repeat for several.")
    var audience: [String] = []

    @Option(name: .long, help: "Verify as this token type (access or refresh); default: the token's own type.")
    var type: String?

    @Option(name: .long, help: "Allowed clock skew in seconds.")
    var leeway: Int = 30

    func validate() throws {
        let sources = [secret, publicKey, jwks].compactMap { $0 }.count
        guard sources <= 1 else { throw ValidationError("give at most one of --secret, --public-key, --jwks") }
        if let type, type != "access", type != "refresh" {
            throw ValidationError("--type must be access or refresh, not \"\(type)\"")
        }
        guard leeway >= 0 else { throw ValidationError("--leeway must not be negative") }
    }

    func run() async throws {
        let output = try await Self.report(
            token: token, secret: secret, publicKeyPEM: try publicKey.map(Self.readFile),
            jwks: try jwks.map(Self.readFile), issuer: issuer, audience: audience,
            type: type.map(TokenType.init(rawValue:)),
            leeway: leeway)
        print(output.text, terminator: "")
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }

    static func readFile(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("cannot read \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The printed report and exit status for one token.
    static func report(
        token: String, secret: String?, publicKeyPEM: String?, jwks: String?, issuer: String?, audience: [String],
        type: TokenType?, leeway: Int, now: Date = Date()
    ) async throws -> (text: String, exitCode: Int32) {
        let token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        var inspection = TokenInspector.decode(token)
        var text = ""
        if let header = inspection.header { text += "Header:\n\(header.prettyString)\n" }
        if let claims = inspection.claims {
            text += "Claims:\n\(claims.prettyString)\n"
            for name in ["iat", "nbf", "exp"] {
                if let seconds = claims[name]?.doubleValue {
                    let date = Date(timeIntervalSince1970: seconds)
                    text += "  \(name) = \(date.formatted(.iso8601))\n"
                }
            }
        }
        if let problem = inspection.decodeProblem {
            text += "Cannot decode: \(problem)\n"
            return (text, 2)
        }
        let headerAlgorithm = SigningAlgorithm(inspection.header?["alg"]?.stringValue ?? "")
        let keys: KeySet
        if let secret {
            keys = try await secretKeys(secret, headerAlgorithm: headerAlgorithm)
        } else if let publicKeyPEM {
            keys = try await pemKeys(publicKeyPEM, headerAlgorithm: headerAlgorithm)
        } else if let jwks {
            keys = try JWKSet(json: Array(jwks.utf8), strict: false).keySet
        } else {
            text += "Verification: skipped (no --secret, --public-key or --jwks given; nothing above is trusted)\n"
            return (text, 0)
        }
        let algorithms = Set(keys.verificationKeys.values.map(\.algorithm))
        let policy = VerificationPolicy(
            allowedAlgorithms: algorithms, issuer: issuer, audience: audience, leeway: .seconds(leeway))
        inspection = TokenInspector.inspect(token, keys: keys, policy: policy, type: type, now: now)
        switch inspection.verification {
        case .success(let verified)?:
            text +=
                "Verification: OK (\(verified.header.algorithm), key \(verified.keyID.rawValue), \(verified.claims.type) token)\n"
            return (text, 0)
        case .failure(let error)?:
            let rule = error.code.rule.map { ", verification rule \($0)" } ?? ""
            text += "Verification: FAILED: \(error.reason) [\(error.code.name)\(rule)]\n"
            if secret != nil, error.code == .unknownKeyID || error.code == .invalidSignature {
                text += "Hint: \(secretHint(kid: inspection.header?["kid"]?.stringValue))\n"
            }
            return (text, 1)
        case nil:
            return (text, 0)
        }
    }

    /// Why a token fails with `--secret` when its kid is unknown or its signature is wrong: a
    /// FastAuth HS kid (`hs-…`, `rt-…`) is derived from the secret, so another secret means
    /// another kid.
    static func secretHint(kid: String?) -> String {
        if let kid, kid.hasPrefix("hs-") || kid.hasPrefix("rt-") {
            return
                "the token's kid \(kid) is derived from the secret that signed it, and this secret derives another one: "
                + "the token was most likely signed with a different secret (check FASTAUTH_SECRET, or .fastauth/secret in development)"
        }
        return "the token was most likely signed with a different secret, or by another issuer"
    }

    /// Keys a secret stands for: the HS access key for the header's algorithm (with and
    /// without FastAuth's kid) and FastAuth's derived refresh-token key.
    static func secretKeys(_ secret: String, headerAlgorithm: SigningAlgorithm) async throws -> KeySet {
        let bytes = Array(secret.utf8)
        let algorithm = headerAlgorithm.isSymmetric ? headerAlgorithm : .hs256
        let access = try SigningKey(
            material: try KeyMaterial.hmac(secret: bytes, algorithm: algorithm),
            id: SecretDerivation.keyID(secret: bytes, purpose: "access", prefix: "hs-"))
        let refresh = try SigningKey(
            material: try KeyMaterial.hmac(secret: SecretDerivation.refreshTokenKey(secret: bytes), algorithm: .hs256),
            id: SecretDerivation.keyID(secret: bytes, purpose: "refresh", prefix: "rt-"))
        return KeySet(signingKey: nil, verificationKeys: [access, refresh], keylessKey: access)
    }

    /// The key in a PEM file. The key type fixes the algorithm family; only among RSA
    /// algorithms is the header's choice taken (each is safe for an RSA key).
    static func pemKeys(_ pem: String, headerAlgorithm: SigningAlgorithm) async throws -> KeySet {
        let candidates: [SigningAlgorithm] =
            [.es256, .es384, .es512, .eddsa]
            + ([.rsaPKCS1, .rsaPSS].contains(headerAlgorithm.family) ? [headerAlgorithm] : [.rs256])
        for algorithm in candidates {
            var material: KeyMaterial? = try? KeyMaterial.publicKey(pem: pem, algorithm: algorithm)
            if material == nil, let privateKey = try? KeyMaterial.privateKey(pem: pem, algorithm: algorithm) {
                material = privateKey.publicMaterial
            }
            if let material {
                return KeySet(signingKey: nil, verificationKeys: [try SigningKey(material: material)])
            }
        }
        throw ValidationError(
            "the file is not a PEM key FastAuth supports (RSA ≥ 2048 bits, P-256, P-384, P-521, Ed25519)")
    }
}
