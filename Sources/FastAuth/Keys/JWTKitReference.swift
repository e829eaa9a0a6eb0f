package import JWTKit

/// jwt-kit's signer for key material: the reference engine the fast-path equivalence tests
/// compare ``SigningKey``'s swift-crypto and OpenSSL primitives against. Not used to sign or
/// verify tokens.
package enum JWTKitReference {
    /// jwt-kit's `JWTAlgorithm` for `material` under `id`.
    package static func signer(for material: KeyMaterial, id: KeyID) async throws -> any JWTAlgorithm {
        let collection = JWTKeyCollection()
        let jwkID = JWKIdentifier(string: id.rawValue)
        let digest: DigestAlgorithm =
            switch material.algorithm.hashByteCount {
            case 48: .sha384
            case 64: .sha512
            default: .sha256
            }
        let isPSS = material.algorithm.family == .rsaPSS
        switch material.backing {
        case .hmac(let key):
            await collection.add(hmac: HMACKey(key: key), digestAlgorithm: digest, kid: jwkID)
        case .rsaPrivate(let key):
            if isPSS {
                await collection.add(pss: key, digestAlgorithm: digest, kid: jwkID)
            } else {
                await collection.add(rsa: key, digestAlgorithm: digest, kid: jwkID)
            }
        case .rsaPublic(let key):
            if isPSS {
                await collection.add(pss: key, digestAlgorithm: digest, kid: jwkID)
            } else {
                await collection.add(rsa: key, digestAlgorithm: digest, kid: jwkID)
            }
        case .p256Private(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p256Public(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p384Private(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p384Public(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p521Private(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .p521Public(let key): await collection.add(ecdsa: key, kid: jwkID)
        case .ed25519Private(let key): await collection.add(eddsa: key, kid: jwkID)
        case .ed25519Public(let key): await collection.add(eddsa: key, kid: jwkID)
        }
        return try await collection.getKey(for: jwkID)
    }
}
