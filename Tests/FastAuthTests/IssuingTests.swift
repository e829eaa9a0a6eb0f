import FastAuth
import FastAuthTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

struct PlanHook: EventHooks {
    func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims {
        var claims = claims
        if tokenType == .access {
            claims[custom: "plan"] = "pro"
            claims[custom: "roles"] = ["admin", "ops"]
            claims.name = "Ada L."
        }
        return claims
    }
}

struct HijackHook: EventHooks {
    let change: @Sendable (inout TokenClaims) -> Void
    func modifyJWT(_ claims: TokenClaims, user: UserAccount, tokenType: TokenType) async throws -> TokenClaims {
        var claims = claims
        change(&claims)
        return claims
    }
}

@Suite("Issuing tokens")
struct IssuingTests {
    @Test("an access token carries the seed's claims plus jti, sid and the profile")
    func accessClaims() async throws {
        let h = try await Harness()
        let issued = try await h.accessToken()
        let claims = issued.claims
        let now = h.clock.now().unixSeconds
        #expect(claims.subject == h.user.id.rawValue)
        #expect(claims.type == .access)
        #expect(claims.issuedAt == now)
        #expect(claims.expiresAt == now + 900)
        #expect(claims.issuer == "https://auth.example.test")
        #expect(claims.audience == ["api"])
        #expect(claims.sessionID == "s1234567890abcdefghijklm")
        #expect(claims.email == "ada@example.com")
        #expect(claims.name == "Ada")
        #expect(claims.emailVerified == false)
        let jti = try #require(claims.tokenID)
        #expect(jti.count == 24)
        // The header: alg, typ, kid.
        let header = try JSONValue(
            parsing: try #require(Base64URL.decode(String(issued.token.split(separator: ".")[0]))))
        #expect(header == ["alg": "HS256", "typ": "JWT", "kid": .string(try h.accessKey.id.rawValue)])
        // The wire form, with aud as a list.
        let payload = try JSONValue(
            parsing: try #require(Base64URL.decode(String(issued.token.split(separator: ".")[1]))))
        #expect(payload["aud"] == ["api"])
        #expect(payload["email_verified"] == false)
    }

    @Test("every jti is fresh")
    func freshJTI() async throws {
        let h = try await Harness()
        var seen: Set<String> = []
        for _ in 0..<200 { seen.insert(try #require(try await h.accessToken().claims.tokenID)) }
        #expect(seen.count == 200)
    }

    @Test("a refresh token has type refresh, a longer exp, no profile, and a derived key that is not the access key")
    func refreshToken() async throws {
        let h = try await Harness()
        let now = h.clock.now().unixSeconds
        let pair = try await h.service.issuePair(for: h.user, sessionID: SessionID("s1"))
        let refresh = pair.refresh.claims
        #expect(refresh.type == .refresh)
        #expect(refresh.expiresAt == now + 30 * 86_400)
        #expect(refresh.email == nil && refresh.name == nil && refresh.emailVerified == nil)
        #expect(refresh.tokenID != pair.access.claims.tokenID)
        #expect(pair.expiresIn == 900)
        let refreshKey = try #require(h.service.keyRing.snapshot.refresh.signingKey)
        #expect(refreshKey.id.rawValue.hasPrefix("rt-"))
        #expect(refreshKey.id != (try h.accessKey).id)
        // The refresh key is not the secret: a token MAC'd with the raw secret is not a refresh token.
        let rawSecretKey = try SigningKey(
            material: try KeyMaterial.hmac(secret: Array(TestFixtures.secret.utf8), algorithm: .hs256),
            id: refreshKey.id)
        let forged = try TestFixtures.forge(
            header: h.header(refreshKey), claims: h.claims { $0["type"] = "refresh" }, key: rawSecretKey)
        #expect(throws: TokenError(.invalidSignature, "")) { try h.service.verifyRefreshToken(forged) }
        let remembered = try await h.service.issueRefreshToken(for: h.user, sessionID: SessionID("s1"), remember: true)
        #expect(remembered.claims.expiresAt == now + 90 * 86_400)
    }

    @Test("rotating the access keys never invalidates a refresh token")
    func refreshSurvivesAccessKeyChange() async throws {
        let h = try await Harness(algorithm: .es256)
        let refresh = try await h.service.issueRefreshToken(for: h.user, sessionID: SessionID("s1"))
        h.service.keyRing.installAccessKeys(
            KeySet(signingKey: try SigningKey(material: try KeyMaterial.generate(algorithm: .es256))))
        #expect(throws: Never.self) { try h.service.verifyRefreshToken(refresh.token) }
    }

    @Test("modifyJWT adds custom claims that survive verification")
    func hookAddsClaims() async throws {
        let h = try await Harness(hooks: PlanHook())
        let pair = try await h.service.issuePair(for: h.user, sessionID: SessionID("s1"))
        let verified = try h.service.verifyAccessToken(pair.access.token)
        #expect(verified.claims.custom["plan"] == "pro")
        #expect(verified.claims.custom["roles"] == ["admin", "ops"])
        #expect(verified.claims.name == "Ada L.")
        #expect(pair.refresh.claims.custom.isEmpty)
    }

    @Test("a hook that changes a reserved claim makes issuing fail clearly")
    func hookChangesReserved() async throws {
        let changes: [@Sendable (inout TokenClaims) -> Void] = [
            { $0.subject = "admin" }, { $0.expiresAt += 3600 }, { $0.type = .refresh }, { $0.audience = ["other"] },
            { $0.issuer = nil }, { $0.tokenID = "fixed" }, { $0.sessionID = nil }, { $0.notBefore = 1 },
            { $0.issuedAt = 0 }, { $0[custom: "exp"] = 1 }, { $0[custom: "aud"] = "x" }, { $0[custom: "email"] = "x" },
        ]
        for change in changes {
            let h = try await Harness(hooks: HijackHook(change: change))
            await #expect(throws: TokenError(.reservedClaim, "")) { try await h.accessToken() }
        }
    }

    @Test("signing fails clearly when no key is loaded (managed mode before startup)")
    func noKeyYet() async throws {
        let config = try FastAuthConfig(
            secret: TestFixtures.secret, jwt: JWTConfig(algorithm: .rs256, jwksEnabled: true))
        let service = try await TokenService(config: config)
        await #expect(throws: TokenError(.signingFailed, "")) {
            try await service.issueAccessToken(for: TestFixtures.user(), sessionID: SessionID("s1"))
        }
    }

    @Test("claims with characters that need escaping round-trip")
    func escaping() async throws {
        let h = try await Harness(
            hooks: HijackHook { $0[custom: "note"] = "quote \" backslash \\ tab \t nul \u{0} é 😀" })
        let issued = try await h.accessToken()
        let verified = try h.service.verifyAccessToken(issued.token)
        #expect(verified.claims.custom["note"] == "quote \" backslash \\ tab \t nul \u{0} é 😀")
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test("cuid2 ids are 24 lowercase base36 characters starting with a letter, and unique")
    func cuid2Shape() {
        var seen: Set<String> = []
        for _ in 0..<10_000 {
            let id = CUID2Generator.shared.next()
            #expect(id.count == 24)
            #expect(id.first.map { ("a"..."z").contains($0) } == true)
            #expect(id.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) })
            seen.insert(id)
        }
        #expect(seen.count == 10_000)
        #expect(CUID2Generator(length: 32).next().count == 32)
    }

    @Test("base36 conversion matches a reference value")
    func base36() {
        // 2^64 = 3w5e11264sgsg in base 36.
        #expect(
            String(decoding: CUID2Generator.base36(of: [1, 0, 0, 0, 0, 0, 0, 0, 0]), as: UTF8.self) == "3w5e11264sgsg")
        #expect(String(decoding: CUID2Generator.base36(of: [0, 35]), as: UTF8.self) == "z")
    }
}
