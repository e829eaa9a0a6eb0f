import FastAuth
import FastAuthTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A token engine on a manual clock, with its configuration's keys.
struct Harness {
    let config: FastAuthConfig
    let clock: ManualClock
    let service: TokenService
    let user = TestFixtures.user()

    init(algorithm: SigningAlgorithm = .hs256, hooks: any EventHooks = NoHooks()) async throws {
        config = try TestFixtures.config(algorithm: algorithm, hooks: hooks)
        clock = ManualClock()
        service = try await TokenService(config: config, clock: clock)
    }

    var accessKey: SigningKey {
        get throws { try #require(service.keyRing.snapshot.access.signingKey) }
    }

    func accessToken() async throws -> IssuedToken {
        try await service.issueAccessToken(for: user, sessionID: SessionID("s1234567890abcdefghijklm"))
    }

    /// Claims of a valid access token at the clock's time.
    func claims(_ changes: (inout [String: JSONValue]) -> Void = { _ in }) -> [String: JSONValue] {
        let now = clock.now().unixSeconds
        var claims: [String: JSONValue] = [
            "sub": .string(user.id.rawValue), "jti": "jti0000000000000000000001", "sid": "s1234567890abcdefghijklm",
            "type": "access", "iat": .int(now), "exp": .int(now + 900), "iss": "https://auth.example.test",
            "aud": ["api"], "email": "ada@example.com", "name": "Ada", "email_verified": false,
        ]
        changes(&claims)
        return claims
    }

    func header(_ key: SigningKey, _ changes: (inout [String: JSONValue]) -> Void = { _ in }) -> [String: JSONValue] {
        var header: [String: JSONValue] = [
            "alg": .string(key.algorithm.rawValue), "typ": "JWT", "kid": .string(key.id.rawValue),
        ]
        changes(&header)
        return header
    }

    /// Verifies `token` as an access token and returns the error code, or `nil` if it verifies.
    func failure(_ token: String) -> TokenError.Code? {
        do {
            _ = try service.verifyAccessToken(token)
            return nil
        } catch {
            return error.code
        }
    }
}

/// Replaces segment `index` of a compact token.
func replacingSegment(_ token: String, _ index: Int, with value: String) -> String {
    var parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    parts[index] = value
    return parts.joined(separator: ".")
}

/// A deterministic generator for property tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
