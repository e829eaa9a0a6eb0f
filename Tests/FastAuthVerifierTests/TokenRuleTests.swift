import FastAuth
import FastAuthTesting
import FastAuthVerifier
import Foundation
import Testing

@Suite("RemoteTokenVerifier applies every access-token rule")
struct TokenRuleTests {
    @Test(
        "a FastAuth access token verifies against the issuer's JWKS",
        arguments: [
            SigningAlgorithm.rs256, .es256, .eddsa,
        ])
    func verifies(algorithm: SigningAlgorithm) async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(algorithm, clock: clock)
        let fetcher = FakeIssuer(keys: [issuer.key])
        let verifier = makeVerifier(fetcher, clock: clock)

        let verified = try await verifier.verify(try await issuer.accessToken())
        #expect(verified.claims.subject == TestFixtures.user().id.rawValue)
        #expect(verified.claims.type == .access)
        #expect(verified.keyID == issuer.key.id)
        #expect(verified.header.algorithm == algorithm.rawValue)
        _ = try await verifier.verify(try await issuer.accessToken())
        #expect(fetcher.jwksFetches == 1)
    }

    @Test("exp is checked with the leeway")
    func expiry() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)
        let now = clock.now().unixSecondsForTests

        let withinLeeway = try await issuer.forge(["exp": .int(now - 20)])
        _ = try await verifier.verify(withinLeeway)
        let expired = try await issuer.forge(["exp": .int(now - 31)])
        #expect(await verifierError { try await verifier.verify(expired) }?.tokenError?.code == .expired)

        let old = try await issuer.accessToken(now: clock.now().addingTimeInterval(-3600))
        let error = await verifierError { try await verifier.verify(old) }
        #expect(error?.code == .invalidToken)
        #expect(error?.tokenError?.code == .expired)
    }

    @Test("a token that is not yet valid, or issued in the future, is refused")
    func notYetValid() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)
        let now = clock.now().unixSecondsForTests

        let early = try await issuer.forge(["nbf": .int(now + 120)])
        #expect(await verifierError { try await verifier.verify(early) }?.tokenError?.code == .notYetValid)
        let future = try await issuer.forge(["iat": .int(now + 120)])
        #expect(await verifierError { try await verifier.verify(future) }?.tokenError?.code == .issuedInFuture)
    }

    @Test("a refresh-type token is refused, forged with the access key or real")
    func refreshType() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)

        let forged = try await issuer.forge(["type": "refresh"])
        #expect(await verifierError { try await verifier.verify(forged) }?.tokenError?.code == .wrongTokenType)
        // A real refresh token is HS256 with an internal key: refused before any key lookup.
        let real = try await issuer.refreshToken()
        #expect(await verifierError { try await verifier.verify(real) }?.tokenError?.code == .algorithmNotAllowed)
    }

    @Test("another audience, a missing audience, another issuer are refused")
    func audienceAndIssuer() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)

        let otherAudience = try await issuer.forge(["aud": ["billing"]])
        #expect(await verifierError { try await verifier.verify(otherAudience) }?.tokenError?.code == .invalidAudience)
        let noAudience = try await issuer.forge(["aud": .null])
        #expect(await verifierError { try await verifier.verify(noAudience) }?.tokenError?.code != nil)
        let otherIssuer = try await issuer.forge(["iss": "https://evil.example.test"])
        #expect(await verifierError { try await verifier.verify(otherIssuer) }?.tokenError?.code == .invalidIssuer)

        // Any one configured audience is enough.
        let lenient = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock, audience: ["orders", "api"])
        _ = try await lenient.verify(try await issuer.accessToken())
    }

    @Test("a tampered token is refused")
    func tampered() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(.rs256, clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)
        let token = try await issuer.accessToken()
        let parts = token.split(separator: ".").map(String.init)
        var claims = try JSONValue(parsing: try #require(Base64URL.decode(parts[1]))).objectValue ?? [:]
        claims["sub"] = "someone-else"
        let tampered = parts[0] + "." + Base64URL.encode(JSONValue.object(claims).jsonBytes) + "." + parts[2]

        #expect(await verifierError { try await verifier.verify(tampered) }?.tokenError?.code == .invalidSignature)
        let badSignature = parts[0] + "." + parts[1] + "." + String(parts[2].reversed())
        #expect(await verifierError { try await verifier.verify(badSignature) }?.code == .invalidToken)
    }

    @Test("an HS256 token signed with the public key is refused, even if HS256 is configured")
    func algorithmConfusion() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(.rs256, clock: clock)
        let publicPEM = try #require(issuer.key.material.publicKeyPEM)
        let hmac = try SigningKey(
            material: try KeyMaterial.hmac(secret: Array(publicPEM.utf8), algorithm: .hs256), id: issuer.key.id)
        let confused = try await issuer.forge(
            header: ["alg": "HS256", "typ": "JWT", "kid": .string(issuer.key.id.rawValue)], key: hmac)

        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)
        #expect(await verifierError { try await verifier.verify(confused) }?.tokenError?.code == .algorithmNotAllowed)
        let careless = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock) {
            $0.allowedAlgorithms = [.rs256, .hs256]
        }
        #expect(await verifierError { try await careless.verify(confused) }?.tokenError?.code == .algorithmNotAllowed)
        _ = try await careless.verify(try await issuer.accessToken())
    }

    @Test("an algorithm outside the allowlist is refused, and alg none always")
    func allowlist() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(.es256, clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock) { $0.allowedAlgorithms = [.rs256] }
        #expect(
            await verifierError { try await verifier.verify(try await issuer.accessToken()) }?.tokenError?.code
                == .algorithmNotAllowed)

        let open = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)
        let header = Base64URL.encode(
            JSONValue.object(["alg": "none", "kid": .string(issuer.key.id.rawValue)]).jsonBytes)
        let parts = try await issuer.accessToken().split(separator: ".")
        let none = header + "." + parts[1] + "."
        #expect(await verifierError { try await open.verify(none) }?.code == .invalidToken)
        #expect(
            await verifierError { try await open.verify(header + "." + parts[1] + ".AAAA") }?.tokenError?.code
                == .algorithmNotAllowed)
    }

    @Test("malformed input is an invalid token, never a crash, and the error never holds the token")
    func malformed() async throws {
        let clock = ManualClock()
        let issuer = try await Issuer.make(clock: clock)
        let verifier = makeVerifier(FakeIssuer(keys: [issuer.key]), clock: clock)
        let inputs = [
            "", ".", "..", "a.b", "a.b.c.d", "not a token", "eyJhbGciOiJFUzI1NiJ9.e30.",
            String(repeating: "A", count: 20_000),
            "e30.e30.AAAA", "W10.e30.AAAA", "\u{0}.\u{0}.\u{0}", "ZXlK.ZXlK.ZXlK",
        ]
        for input in inputs {
            let error = await verifierError { try await verifier.verify(input) }
            #expect(error?.code == .invalidToken, "\(input.prefix(20))")
        }
        let token = try await issuer.forge(["aud": ["billing"]])
        let error = try #require(await verifierError { try await verifier.verify(token) })
        #expect(!error.description.contains(token))
        #expect(!error.description.contains(token.split(separator: ".")[2]))
        #expect(error.description.contains("invalid_audience"))
    }
}

extension Date {
    var unixSecondsForTests: Int64 { Int64(timeIntervalSince1970.rounded(.down)) }
}
