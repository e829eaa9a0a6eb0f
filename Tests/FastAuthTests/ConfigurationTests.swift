import FastAuth
import FastAuthTesting
import Testing

@Suite("Configuration validation")
struct ConfigurationTests {
    private func problems(_ make: () throws(ConfigurationError) -> FastAuthConfig) -> [String] {
        do {
            _ = try make()
            return []
        } catch {
            return error.problems
        }
    }

    @Test("the defaults are HS256, 900 s access, 30 d refresh, 90 d remember-me, 30 s leeway")
    func defaults() throws {
        let config = try FastAuthConfig(secret: TestFixtures.secret)
        #expect(config.jwt.algorithm == .hs256)
        #expect(config.jwt.accessTokenTTL == .seconds(900))
        #expect(config.jwt.refreshTokenTTL == .seconds(2_592_000))
        #expect(config.jwt.rememberMeTTL == .seconds(7_776_000))
        #expect(config.jwt.leeway == .seconds(30))
        #expect(config.jwt.jwksMaxAge == .seconds(300))
    }

    @Test("a secret shorter than 32 bytes is refused; 32 bytes is enough for HS256")
    func shortSecret() {
        #expect(
            problems { () throws(ConfigurationError) in try FastAuthConfig(secret: String(repeating: "a", count: 31)) }
                .count == 1)
        #expect(
            problems { () throws(ConfigurationError) in try FastAuthConfig(secret: String(repeating: "a", count: 32)) }
                .isEmpty)
        #expect(
            problems { () throws(ConfigurationError) in try FastAuthConfig(secret: "") }.first?.contains(
                "generate-secret") == true)
    }

    @Test("HS384 and HS512 need secrets as long as their hash (RFC 7518 §3.2)")
    func longerHMAC() {
        let secret48 = String(repeating: "a", count: 48)
        #expect(
            problems { () throws(ConfigurationError) in
                try FastAuthConfig(secret: secret48, jwt: JWTConfig(algorithm: .hs384))
            }.isEmpty)
        #expect(
            problems { () throws(ConfigurationError) in
                try FastAuthConfig(secret: secret48, jwt: JWTConfig(algorithm: .hs512))
            }.count == 1)
    }

    @Test("every problem is reported at once, in plain words")
    func everyProblemAtOnce() {
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(
                secret: "short",
                jwt: JWTConfig(algorithm: "HS999", accessTokenTTL: .seconds(0), refreshTokenTTL: .seconds(-5)))
        }
        #expect(found.count == 4)
        #expect(found.contains { $0.contains("secret is 5 bytes") })
        #expect(found.contains { $0.contains("\"HS999\" is unknown") })
        #expect(found.contains { $0.contains("accessTokenTTL") })
        #expect(found.contains { $0.contains("refreshTokenTTL") })
    }

    @Test("jwksEnabled with a symmetric algorithm is refused")
    func jwksWithHMAC() {
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(secret: TestFixtures.secret, jwt: JWTConfig(jwksEnabled: true))
        }
        #expect(found.count == 1 && found[0].contains("jwksEnabled"))
    }

    @Test(
        "an asymmetric algorithm with neither keys nor jwksEnabled is refused",
        arguments: [SigningAlgorithm.rs256, .es256, .eddsa])
    func asymmetricWithoutKeys(algorithm: SigningAlgorithm) {
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(secret: TestFixtures.secret, jwt: JWTConfig(algorithm: algorithm))
        }
        #expect(found.count == 1 && found[0].contains("needs keys"))
        #expect(
            problems { () throws(ConfigurationError) in
                try FastAuthConfig(secret: TestFixtures.secret, jwt: JWTConfig(algorithm: algorithm, jwksEnabled: true))
            }.isEmpty)
    }

    @Test("an RSA key under 2048 bits is refused")
    func weakRSA() throws {
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(
                secret: TestFixtures.secret, jwt: JWTConfig(algorithm: .rs256, privateKey: weakRSAKeyPEM))
        }
        #expect(found.count == 1 && found[0].contains("2048"))
    }

    @Test("a public key that does not match the private key is refused")
    func mismatchedPair() throws {
        let one = try KeyMaterial.generate(algorithm: .es256)
        let two = try KeyMaterial.generate(algorithm: .es256)
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(
                secret: TestFixtures.secret,
                jwt: JWTConfig(algorithm: .es256, privateKey: one.privateKeyPEM, publicKey: two.publicKeyPEM))
        }
        #expect(found == ["publicKey does not match privateKey"])
        #expect(
            problems { () throws(ConfigurationError) in
                try FastAuthConfig(
                    secret: TestFixtures.secret,
                    jwt: JWTConfig(algorithm: .es256, privateKey: one.privateKeyPEM, publicKey: one.publicKeyPEM))
            }.isEmpty)
    }

    @Test("a PEM that is not a key for the algorithm is refused without echoing it")
    func garbagePEM() {
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(
                secret: TestFixtures.secret,
                jwt: JWTConfig(
                    algorithm: .rs256, privateKey: "-----BEGIN PRIVATE KEY-----\nSECRETSTUFF\n-----END PRIVATE KEY-----"
                ))
        }
        #expect(found.count == 1)
        #expect(!found[0].contains("SECRETSTUFF"))
    }

    @Test("non-positive TTLs and a rotation interval without managed keys are refused")
    func ttlsAndRotation() {
        let found = problems { () throws(ConfigurationError) in
            try FastAuthConfig(
                secret: TestFixtures.secret,
                jwt: JWTConfig(rememberMeTTL: .zero, jwksMaxAge: .seconds(-1), keyRotationInterval: .seconds(60)))
        }
        #expect(found.count == 3)
        #expect(found.contains { $0.contains("keyRotationInterval needs jwksEnabled") })
    }
}

/// A 1024-bit RSA private key (`openssl genrsa -traditional 1024`): too weak for FastAuth.
let weakRSAKeyPEM = """
    -----BEGIN RSA PRIVATE KEY-----
    MIICXAIBAAKBgQDBcldK37qeS2osV57LJGvDeRF9CplePgao8JzraGfCDYBhkYWx
    do683fIC6MOzW/GkNp7EkYAZ8LD/+g1WSoB2+ikgYzM2LHeEFC5yQOsACuo7fOlr
    49wVDe/H5GT9SzSy8+iqgsMbVpCECps9At31tejBa2SMKITsJQ3OstVHRwIDAQAB
    AoGAAgEURHNS9KblX7Y8r/AdqbXMZ5Y/holv+job9hhr0sffB6PBVdhbnDtUcZFF
    zcrrEv9536F+SUaEHvLRRo6ZDB3fl9Ujqymm6bYwNq5+9ONt7tbeg4qzmAAL2t/u
    +cbxQyMwJb2KZon40Tn4fgL6bPNpSy3cKKVnj+1E9EI8IRkCQQD8Tr0NfGyv9DsU
    JRglmh+hTeG0q2YgTUzhUfecYw2Cs7kYTLI9V59S+1OCnRT6I0Co4y2JXqwiffMV
    D5a+BY77AkEAxEcVA7XrTDmgzw0r15Z7OWs8cubGV61u9H6M36DF9tzwo7O/1cRu
    rXybr6+96aX/YuQtRi8oMzETJAUu1iBHJQJAWKp3B6E9NMx4Yojypmw2R2JuOiat
    uhZQOTKr+Jpaqh7sohx52tLLG8dUvqbjM1BmLbPAUfEiPvDSFwmmaNrdNwJBAIxA
    dsW2ArLvIveQ49kjkF3RQNqiCOyx420V2LgbfBoQemufj97ChIu3VNBPdhc1JK6X
    ebqDC+i4koLUqUkcu3kCQA8zTbr9ZVHchh1OR68K07JRBo9HhLI1Wio1fToZX8kK
    Ahdoe9ebyA74Bh0pQWD62L9eG0Z2CV/U6ZonQSkeHPA=
    -----END RSA PRIVATE KEY-----
    """
