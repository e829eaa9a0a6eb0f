public import Crypto
public import CryptoExtras
public import FastAuth
import FastAuthTesting
public import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The peer benchmark's issuer and audience.
public let peerIssuer = "fastauth-peer"
public let peerAudience = ["fastauth-peer-api"]

/// The algorithms every benchmark runs for.
public let benchmarkAlgorithms: [SigningAlgorithm] = [.hs256, .rs256, .ps256, .es256, .eddsa]

/// The algorithms the resource-server verifier benchmarks run for.
public let verifierBenchmarkAlgorithms: [SigningAlgorithm] = [.rs256, .es256, .eddsa]

/// The claims FastAuth puts in an access token, as a jwt-kit `JWTPayload`: the generic
/// Codable/JSONEncoder path, checked the way FastAuth checks (exp, iss, aud, type).
public struct JWTKitAccessClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var jti: IDClaim
    public var sid: String
    public var type: String
    public var iat: IssuedAtClaim
    public var exp: ExpirationClaim
    public var iss: IssuerClaim
    public var aud: AudienceClaim
    public var email: String
    public var name: String?
    // The peer's claim name.
    // swift-format-ignore: AlwaysUseLowerCamelCase
    public var email_verified: Bool

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try aud.verifyIntendedAudience(includes: peerAudience[0])
        guard iss.value == peerIssuer else {
            throw JWTError.claimVerificationFailure(failedClaim: iss, reason: "wrong issuer")
        }
        guard type == "access" else {
            throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "wrong token type")
        }
    }
}

/// Everything one algorithm's benchmarks need, built once.
public struct AlgorithmFixture: Sendable {
    public let algorithm: SigningAlgorithm
    /// FastAuth's engine, configured as `TestFixtures.config` does (issuer, audience `["api"]`,
    /// a fresh key for asymmetric algorithms), with the system clock and no-op hooks.
    public let service: TokenService
    public let user: UserAccount
    public let sessionID: SessionID
    /// A valid access token issued by `service`.
    public let accessToken: String
    /// A valid refresh token issued by `service`.
    public let refreshToken: String

    /// jwt-kit: a key collection holding the same key under the same `kid`.
    public let collection: JWTKeyCollection
    public let kid: JWKIdentifier
    /// The same claims as `accessToken`, as a jwt-kit payload.
    public let jwtKitClaims: JWTKitAccessClaims
    /// A token jwt-kit signed from `jwtKitClaims`.
    public let jwtKitToken: String

    /// jwt-kit's signer for the key (what `JWTKeyCollection.getKey` returns).
    public let jwtKitSigner: any JWTAlgorithm
    /// `header.payload` of `accessToken`: the exact bytes FastAuth signs.
    public let signingInput: [UInt8]
    /// The signature of `accessToken`.
    public let signature: [UInt8]
    /// swift-crypto directly, with a key parsed once: the floor under any wrapper.
    public let direct: DirectPrimitive

    public static func make(_ algorithm: SigningAlgorithm) async throws -> AlgorithmFixture {
        // The claims of the peer's micro-benchmark (shared/peer/jwt_micro.py): same user id,
        // email, name, issuer and audience, so the tokens have the same size (plus FastAuth's
        // `sid` and `kid`).
        let config = try TestFixtures.config(algorithm: algorithm, issuer: peerIssuer, audience: peerAudience)
        let service = try await TokenService(config: config)
        let user = TestFixtures.user(
            id: UserID("qco48rv0pvu11x8kcnp93pof"), email: "probe-1795949791178651902@example.com", name: "Probe One")
        let sessionID = SessionID("s1234567890abcdefghijklm")
        let access = try await service.issueAccessToken(for: user, sessionID: sessionID)
        let refresh = try await service.issueRefreshToken(for: user, sessionID: sessionID)
        _ = try service.verifyAccessToken(access.token)
        _ = try service.verifyRefreshToken(refresh.token)

        let collection = JWTKeyCollection()
        let kid: JWKIdentifier
        let direct: DirectPrimitive
        if algorithm.isSymmetric {
            kid = JWKIdentifier(string: try requireValue(service.keyRing.snapshot.access.signingKey).id.rawValue)
            let secret = Array(TestFixtures.secret.utf8)
            await collection.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256, kid: kid)
            direct = .hmac(SymmetricKey(data: secret))
        } else {
            let material = try requireValue(config.staticPrivateKey)
            let pem = try requireValue(material.privateKeyPEM)
            kid = JWKIdentifier(string: try requireValue(service.keyRing.snapshot.access.signingKey).id.rawValue)
            switch algorithm {
            case .rs256:
                await collection.add(rsa: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256, kid: kid)
                direct = .rsa(try _RSA.Signing.PrivateKey(pemRepresentation: pem), .insecurePKCS1v1_5)
            case .ps256:
                await collection.add(pss: try Insecure.RSA.PrivateKey(pem: pem), digestAlgorithm: .sha256, kid: kid)
                direct = .rsa(try _RSA.Signing.PrivateKey(pemRepresentation: pem), .PSS)
            case .es256:
                await collection.add(ecdsa: try ES256PrivateKey(pem: pem), kid: kid)
                direct = .p256(try P256.Signing.PrivateKey(pemRepresentation: pem))
            case .eddsa:
                await collection.add(eddsa: try EdDSA.PrivateKey(pem: pem), kid: kid)
                direct = .ed25519(try Curve25519.Signing.PrivateKey(pemRepresentation: pem))
            default:
                throw FixtureError("unsupported algorithm \(algorithm)")
            }
        }
        let claims = access.claims
        let jwtKitClaims = JWTKitAccessClaims(
            sub: SubjectClaim(value: claims.subject), jti: IDClaim(value: claims.tokenID ?? ""),
            sid: claims.sessionID ?? "", type: claims.type.rawValue,
            iat: IssuedAtClaim(value: Date(timeIntervalSince1970: TimeInterval(claims.issuedAt ?? 0))),
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: TimeInterval(claims.expiresAt))),
            iss: IssuerClaim(value: claims.issuer ?? ""), aud: AudienceClaim(value: claims.audience ?? []),
            email: claims.email ?? "", name: claims.name, email_verified: claims.emailVerified ?? false)
        var header = JWTHeader()
        header.typ = "JWT"
        let jwtKitToken = try await collection.sign(jwtKitClaims, kid: kid, header: header)
        let roundTrip = try await collection.verify(jwtKitToken, as: JWTKitAccessClaims.self)
        guard roundTrip == jwtKitClaims else { throw FixtureError("jwt-kit round trip changed the claims") }

        let signer = try await collection.getKey(for: kid)
        let tokenBytes = Array(access.token.utf8)
        guard let lastDot = tokenBytes.lastIndex(of: UInt8(ascii: ".")),
            let signature = base64URLDecoded(String(decoding: tokenBytes[(lastDot + 1)...], as: UTF8.self))
        else { throw FixtureError("token has no signature") }
        let signingInput = Array(tokenBytes[..<lastDot])
        guard try signer.verify(signature, signs: signingInput) else {
            throw FixtureError("jwt-kit does not verify FastAuth's signature")
        }
        guard try direct.verify(signature, signs: signingInput) else {
            throw FixtureError("swift-crypto does not verify FastAuth's signature")
        }
        return AlgorithmFixture(
            algorithm: algorithm, service: service, user: user, sessionID: sessionID, accessToken: access.token,
            refreshToken: refresh.token, collection: collection, kid: kid, jwtKitClaims: jwtKitClaims,
            jwtKitToken: jwtKitToken, jwtKitSigner: signer, signingInput: signingInput, signature: signature,
            direct: direct)
    }
}

/// swift-crypto's primitive for one key, called directly.
public enum DirectPrimitive: Sendable {
    case hmac(SymmetricKey)
    case rsa(_RSA.Signing.PrivateKey, _RSA.Signing.PublicKey, _RSA.Signing.Padding)
    case p256(P256.Signing.PrivateKey, P256.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PrivateKey, Curve25519.Signing.PublicKey)

    static func rsa(_ key: _RSA.Signing.PrivateKey, _ padding: _RSA.Signing.Padding) -> Self {
        .rsa(key, key.publicKey, padding)
    }
    static func p256(_ key: P256.Signing.PrivateKey) -> Self { .p256(key, key.publicKey) }
    static func ed25519(_ key: Curve25519.Signing.PrivateKey) -> Self { .ed25519(key, key.publicKey) }

    public func sign(_ bytes: [UInt8]) throws -> Int {
        switch self {
        case .hmac(let key): return HMAC<SHA256>.authenticationCode(for: bytes, using: key).byteCount
        case .rsa(let key, _, let padding):
            return try key.signature(for: SHA256.hash(data: bytes), padding: padding).rawRepresentation.count
        case .p256(let key, _): return try key.signature(for: SHA256.hash(data: bytes)).rawRepresentation.count
        case .ed25519(let key, _): return try key.signature(for: bytes).count
        }
    }

    public func verify(_ signature: [UInt8], signs bytes: [UInt8]) throws -> Bool {
        switch self {
        case .hmac(let key):
            return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: bytes, using: key)
        case .rsa(_, let publicKey, let padding):
            return publicKey.isValidSignature(
                _RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA256.hash(data: bytes), padding: padding
            )
        case .p256(_, let publicKey):
            return publicKey.isValidSignature(
                try P256.Signing.ECDSASignature(rawRepresentation: signature), for: SHA256.hash(data: bytes))
        case .ed25519(_, let publicKey):
            return publicKey.isValidSignature(signature, for: bytes)
        }
    }
}

public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Unwraps or throws (fixtures only).
func requireValue<T>(_ value: T?, _ what: String = "value") throws -> T {
    guard let value else { throw FixtureError("missing \(what)") }
    return value
}

/// Unpadded base64url (RFC 7515 §2) through Foundation's decoder: FastAuth's own is not public API.
func base64URLDecoded(_ text: String) -> [UInt8]? {
    var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
    return Data(base64Encoded: standard).map { Array($0) }
}
