package import JWTKit

/// A key ready to sign or verify tokens: key material, its `kid`, jwt-kit's signer for the
/// algorithm, and the pre-encoded JWS header.
public struct SigningKey: Sendable {
    /// The key's id (`kid`).
    public let id: KeyID
    /// The algorithm the key is pinned to.
    public var algorithm: SigningAlgorithm { material.algorithm }
    /// The key material.
    public let material: KeyMaterial
    /// jwt-kit's signer/verifier for this key.
    package let signer: any JWTAlgorithm
    /// `base64url({"alg":…,"typ":"JWT","kid":…})`, the first segment of every token it signs.
    package let encodedHeader: [UInt8]

    /// Prepares `material` for use under `id` (default: the RFC 7638 thumbprint for public-key
    /// algorithms). HMAC secrets need an explicit `id`.
    public init(material: KeyMaterial, id: KeyID? = nil) async throws(KeyError) {
        guard let kid = id ?? material.thumbprint else {
            throw KeyError(.invalidKey, "an HMAC key needs an explicit key id")
        }
        self.id = kid
        self.material = material
        let collection = JWTKeyCollection()
        let jwkID = JWKIdentifier(string: kid.rawValue)
        let digest: DigestAlgorithm =
            switch material.algorithm.hashByteCount {
            case 48: .sha384
            case 64: .sha512
            default: .sha256
            }
        switch material.backing {
        case .hmac(let key):
            await collection.add(hmac: HMACKey(key: key), digestAlgorithm: digest, kid: jwkID)
        case .rsaPrivate(let key):
            if material.algorithm.family == .rsaPSS {
                await collection.add(pss: key, digestAlgorithm: digest, kid: jwkID)
            } else {
                await collection.add(rsa: key, digestAlgorithm: digest, kid: jwkID)
            }
        case .rsaPublic(let key):
            if material.algorithm.family == .rsaPSS {
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
        do {
            self.signer = try await collection.getKey(for: jwkID)
        } catch {
            throw KeyError(.invalidKey, "jwt-kit refused the \(material.algorithm) key")
        }
        var header = JSONWriter(capacity: 96)
        header.raw("{\"alg\":")
        header.string(material.algorithm.rawValue)
        header.raw(",\"typ\":\"JWT\",\"kid\":")
        header.string(kid.rawValue)
        header.byte(UInt8(ascii: "}"))
        var encoded: [UInt8] = []
        Base64URL.encode(header.bytes, into: &encoded)
        self.encodedHeader = encoded
    }

    /// `true` when the key can sign.
    public var canSign: Bool { material.canSign }

    /// The public JWK published in the JWKS (`kty`, key parameters, `kid`, `alg`, `use`);
    /// `nil` for HMAC secrets, which are never published.
    public var publicJWK: [String: JSONValue]? {
        guard var members = material.thumbprintMembers else { return nil }
        members["kid"] = .string(id.rawValue)
        members["alg"] = .string(algorithm.rawValue)
        members["use"] = "sig"
        return members
    }
}

extension SigningKey {
    /// Signs raw bytes with the key (the JWS signature primitive). Used by tooling and tests.
    public func rawSignature(_ bytes: [UInt8]) throws -> [UInt8] {
        try signer.sign(bytes)
    }
}
