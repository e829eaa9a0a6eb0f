// Compact-JWS verification with the claims parser: the input is tried as a token (structure,
// header, key selection, claims, signature, time and audience rules) and, signed with the
// target's key, as a claims payload (so the claims parser and the rules behind a good
// signature see arbitrary JSON too).
import FastAuth
import FuzzSupport

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

enum Fixture {
    static let hmac: SigningKey = blocking {
        do {
            let material = try KeyMaterial.hmac(secret: Array(repeating: 0x5A, count: 32), algorithm: .hs256)
            return try SigningKey(material: material, id: KeyID("fuzz-hmac"))
        } catch {
            preconditionFailure("the fixture key: \(error)")
        }
    }
    static let eddsa: SigningKey = blocking {
        do {
            return try SigningKey(material: try KeyMaterial.generate(algorithm: .eddsa))
        } catch {
            preconditionFailure("the fixture key: \(error)")
        }
    }
    static let keys = KeySet(signingKey: hmac, verificationKeys: [hmac, eddsa], keylessKey: hmac)
    static let verifier = TokenVerifier(
        policy: VerificationPolicy(
            allowedAlgorithms: [.hs256, .eddsa], issuer: "https://issuer.example", audience: ["api"]))
    static let now = Date(timeIntervalSince1970: 1_767_225_600)
}

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = fuzzInput(data, size)
    for type in [TokenType.access, .refresh] {
        if let verified = try? Fixture.verifier.verify(input, as: type, keys: Fixture.keys, now: Fixture.now) {
            require(verified.claims.type == type, "a \(type) verification returned a \(verified.claims.type) token")
        }
    }
    if let token = try? CompactJWS.sign(payload: Array(input), with: Fixture.hmac.jws) {
        let verified = try? Fixture.verifier.verify(token, as: .access, keys: Fixture.keys, now: Fixture.now)
        if let verified {
            require(verified.keyID == Fixture.hmac.id, "a token signed with the HMAC key verified with another")
        }
        _ = try? TokenVerifier.verifyJWS(token, keys: Fixture.keys)
    }
    return 0
}

runFuzzer(fuzzOne)
