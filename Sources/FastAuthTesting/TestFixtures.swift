public import FastAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Ready-made values for tests of code built on FastAuth.
public enum TestFixtures {
    /// A 64-byte secret that passes validation.
    public static let secret = "test-secret-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOP"

    /// A user account.
    public static func user(
        id: UserID = UserID("u1234567890abcdefghijklm"), email: String = "ada@example.com", name: String? = "Ada",
        createdAt: Date = Date(timeIntervalSince1970: 1_767_225_600)
    ) -> UserAccount {
        UserAccount(id: id, email: email, name: name, createdAt: createdAt)
    }

    /// A configuration for `algorithm`: HS* with ``secret``, asymmetric in PEM mode with a
    /// freshly generated key.
    public static func config(
        algorithm: SigningAlgorithm = .hs256, issuer: String? = "https://auth.example.test",
        audience: [String]? = ["api"], hooks: any EventHooks = NoHooks()
    ) throws -> FastAuthConfig {
        var jwt = JWTConfig(algorithm: algorithm, issuer: issuer, audience: audience)
        if !algorithm.isSymmetric {
            jwt.privateKey = try KeyMaterial.generate(algorithm: algorithm).privateKeyPEM
        }
        return try FastAuthConfig(secret: secret, jwt: jwt, hooks: hooks)
    }

    /// Signs arbitrary header and claims with `key`, bypassing every check: for building hostile
    /// tokens in tests.
    public static func forge(header: [String: JSONValue], claims: [String: JSONValue], key: SigningKey) throws -> String
    {
        let signingInput =
            Base64URL.encode(JSONValue.object(header).jsonBytes) + "."
            + Base64URL.encode(JSONValue.object(claims).jsonBytes)
        return signingInput + "." + Base64URL.encode(try key.rawSignature(Array(signingInput.utf8)))
    }
}
