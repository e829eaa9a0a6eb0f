import Crypto
import CryptoExtras
import JWTKit

/// Importing JSON Web Keys (RFC 7517) for verification, with the hygiene a strict verifier
/// needs: purpose (`use`, `key_ops`), the algorithm pinned to the key, key strength, curve and
/// coordinate checks. Header-supplied keys (`jwk`, `jku`, `x5u`, `x5c`) are never used.
extension KeyMaterial {
    /// Imports one JWK. The algorithm is `algorithm` if given, else the key's `alg` (then
    /// required); when both exist they must agree. Private members are used only when
    /// `allowPrivate` is set (tests and key storage), otherwise only the public half is taken.
    public static func fromJWK(
        _ jwk: [String: JSONValue], algorithm pinned: SigningAlgorithm? = nil, allowPrivate: Bool = false
    ) throws(KeyError) -> KeyMaterial {
        if let use = jwk["use"] {
            guard use == "sig" else { throw KeyError(.wrongPurpose, "the key's use is not \"sig\"") }
        }
        if let operations = jwk["key_ops"] {
            guard case .array(let list) = operations, list.contains("verify") else {
                throw KeyError(.wrongPurpose, "the key's key_ops do not include \"verify\"")
            }
        }
        var keyAlgorithm: SigningAlgorithm?
        switch jwk["alg"] {
        case nil: break
        case .string(let name)?: keyAlgorithm = SigningAlgorithm(name)
        default: throw KeyError(.invalidKey, "the key's alg is not a string")
        }
        if let pinned, let keyAlgorithm, pinned != keyAlgorithm {
            throw KeyError(.unsupportedAlgorithm, "the key is for \(keyAlgorithm), not \(pinned)")
        }
        guard let algorithm = pinned ?? keyAlgorithm else {
            throw KeyError(.unsupportedAlgorithm, "the key has no alg and none was given")
        }
        guard let family = algorithm.family else {
            throw KeyError(.unsupportedAlgorithm, "\(algorithm) is not a supported signing algorithm")
        }
        guard case .string(let kty)? = jwk["kty"] else { throw KeyError(.invalidKey, "the key has no kty") }

        func bytes(_ name: String) throws(KeyError) -> [UInt8] {
            guard case .string(let text)? = jwk[name], let decoded = Base64URL.decode(text) else {
                throw KeyError(.invalidKey, "the key's \"\(name)\" member is missing or not base64url")
            }
            return decoded
        }
        let wantsPrivate = allowPrivate && jwk["d"] != nil

        switch (family, kty) {
        case (.hmac, "oct"):
            return try .hmac(secret: try bytes("k"), algorithm: algorithm)
        case (.rsaPKCS1, "RSA"), (.rsaPSS, "RSA"):
            let n = try bytes("n")
            let e = try bytes("e")
            try KeyHygiene.checkRSA(modulus: n, exponent: e)
            do {
                if wantsPrivate {
                    _ = try bytes("d")
                    guard case .string(let d)? = jwk["d"] else { throw KeyError(.invalidKey, "bad d") }
                    let key = try JWTKit.Insecure.RSA.PrivateKey(
                        modulus: Base64URL.encode(n), exponent: Base64URL.encode(e), privateExponent: d)
                    return KeyMaterial(algorithm: algorithm, backing: .rsaPrivate(key))
                }
                let key = try JWTKit.Insecure.RSA.PublicKey(modulus: Base64URL.encode(n), exponent: Base64URL.encode(e))
                return KeyMaterial(algorithm: algorithm, backing: .rsaPublic(key))
            } catch let error as KeyError {
                throw error
            } catch {
                throw KeyError(.invalidKey, "the RSA key parameters are invalid")
            }
        case (.ecdsa, "EC"):
            let (curve, size): (String, Int) =
                switch algorithm {
                case .es256: ("P-256", 32)
                case .es384: ("P-384", 48)
                default: ("P-521", 66)
                }
            guard jwk["crv"] == .string(curve) else {
                throw KeyError(.unsupportedAlgorithm, "\(algorithm) needs a \(curve) key")
            }
            let x = try bytes("x")
            let y = try bytes("y")
            guard x.count == size, y.count == size else {
                throw KeyError(.invalidKey, "\(curve) coordinates must be \(size) bytes")
            }
            let point = [0x04] + x + y
            let privateScalar = wantsPrivate ? try bytes("d") : nil
            do {
                switch algorithm {
                case .es256:
                    return try ecKey(P256.self, point: point, privateScalar: privateScalar, algorithm: algorithm) {
                        .p256Private($0)
                    } public: {
                        .p256Public($0)
                    }
                case .es384:
                    return try ecKey(P384.self, point: point, privateScalar: privateScalar, algorithm: algorithm) {
                        .p384Private($0)
                    } public: {
                        .p384Public($0)
                    }
                default:
                    return try ecKey(P521.self, point: point, privateScalar: privateScalar, algorithm: algorithm) {
                        .p521Private($0)
                    } public: {
                        .p521Public($0)
                    }
                }
            } catch let error as KeyError {
                throw error
            } catch {
                throw KeyError(.invalidKey, "the point is not on \(curve)")
            }
        case (.eddsa, "OKP"):
            guard jwk["crv"] == "Ed25519" else { throw KeyError(.unsupportedAlgorithm, "only Ed25519 is supported") }
            let x = try bytes("x")
            guard x.count == 32 else { throw KeyError(.invalidKey, "an Ed25519 key is 32 bytes") }
            do {
                let publicKey = try Curve25519.Signing.PublicKey(rawRepresentation: x)
                if wantsPrivate {
                    let key = try Curve25519.Signing.PrivateKey(rawRepresentation: try bytes("d"))
                    guard key.publicKey.rawRepresentation == publicKey.rawRepresentation else {
                        throw KeyError(.keyMismatch, "d does not match x")
                    }
                    return KeyMaterial(algorithm: algorithm, backing: .ed25519Private(EdDSA.PrivateKey(backing: key)))
                }
                return KeyMaterial(algorithm: algorithm, backing: .ed25519Public(EdDSA.PublicKey(backing: publicKey)))
            } catch let error as KeyError {
                throw error
            } catch {
                throw KeyError(.invalidKey, "the Ed25519 key is invalid")
            }
        default:
            throw KeyError(.unsupportedAlgorithm, "a \(kty) key cannot be used with \(algorithm)")
        }
    }

    /// The EC key on `curve` at the uncompressed `point`, private when `privateScalar` is given
    /// (which must belong to the point), wrapped by `wrapPrivate` or `wrapPublic`.
    private static func ecKey<Curve: ECDSACurveType>(
        _ curve: Curve.Type, point: [UInt8], privateScalar: [UInt8]?, algorithm: SigningAlgorithm,
        private wrapPrivate: (ECDSA.PrivateKey<Curve>) -> Backing,
        public wrapPublic: (ECDSA.PublicKey<Curve>) -> Backing
    ) throws -> KeyMaterial {
        let publicKey = try Curve.PrivateKey.PublicKey(x963Representation: point)
        guard let privateScalar else {
            return KeyMaterial(
                algorithm: algorithm, backing: wrapPublic(try ECDSA.PublicKey<Curve>(backing: publicKey)))
        }
        let key = try Curve.PrivateKey(rawRepresentation: privateScalar)
        guard key.publicKey.x963Representation == publicKey.x963Representation else {
            throw KeyError(.keyMismatch, "d does not match x and y")
        }
        return KeyMaterial(algorithm: algorithm, backing: wrapPrivate(try ECDSA.PrivateKey<Curve>(backing: key)))
    }
}

extension SigningKey {
    /// Imports one JWK for verification (see ``KeyMaterial/fromJWK(_:algorithm:allowPrivate:)``).
    /// Its `kid` is the JWK's `kid`, else the RFC 7638 thumbprint.
    public init(
        jwk: [String: JSONValue], algorithm: SigningAlgorithm? = nil, allowPrivate: Bool = false
    )
        throws(KeyError)
    {
        let material = try KeyMaterial.fromJWK(jwk, algorithm: algorithm, allowPrivate: allowPrivate)
        var id: KeyID? = nil
        switch jwk["kid"] {
        case nil: break
        case .string(let kid)?: id = KeyID(kid)
        default: throw KeyError(.invalidKey, "the key's kid is not a string")
        }
        if id == nil, material.algorithm.isSymmetric { id = KeyID("") }
        try self.init(material: material, id: id)
    }
}

/// A JSON Web Key Set (RFC 7517 §5) imported for verification.
public struct JWKSet: Sendable {
    /// The usable keys, by `kid`.
    public let keys: [KeyID: SigningKey]
    /// Why each skipped key was skipped (lenient mode).
    public let skipped: [String]

    /// Parses a JWKS document.
    ///
    /// Strict mode refuses the whole set when it is ambiguous (duplicate `kid`s, symmetric and
    /// asymmetric keys mixed) or any key is unusable. Lenient mode, for a remote issuer's set,
    /// skips unusable or unsupported keys (and every symmetric key) and keeps the rest.
    public init(json: some Collection<UInt8>, strict: Bool) throws(KeyError) {
        let document: JSONValue
        do {
            document = try JSONValue(parsing: json)
        } catch {
            throw KeyError(.invalidKey, "the key set is not valid JSON: \(error.reason)")
        }
        guard case .array(let entries)? = document["keys"] else {
            throw KeyError(.invalidKey, "the key set has no \"keys\" list")
        }
        var seen: Set<String> = []
        var symmetric = false
        var asymmetric = false
        for entry in entries {
            if case .string(let kid)? = entry["kid"], !seen.insert(kid).inserted, strict {
                throw KeyError(.ambiguousKeySet, "the key set has two keys with the same kid")
            }
            if entry["kty"] == "oct" { symmetric = true } else { asymmetric = true }
        }
        if strict, symmetric, asymmetric {
            throw KeyError(.ambiguousKeySet, "the key set mixes symmetric and asymmetric keys")
        }
        var keys: [KeyID: SigningKey] = [:]
        var skipped: [String] = []
        for (index, entry) in entries.enumerated() {
            do throws(KeyError) {
                guard case .object(let members) = entry else { throw KeyError(.invalidKey, "not a JSON object") }
                if !strict, members["kty"] == "oct" {
                    throw KeyError(.wrongPurpose, "symmetric keys are never taken from a key set")
                }
                if !strict, members["kid"] == nil {
                    throw KeyError(.invalidKey, "the key has no kid")
                }
                let key = try SigningKey(jwk: members)
                if keys[key.id] != nil {
                    throw KeyError(.ambiguousKeySet, "the key set has two keys with the same kid")
                }
                keys[key.id] = key
            } catch {
                if strict { throw error }
                skipped.append("key #\(index + 1): \(error.reason)")
            }
        }
        self.keys = keys
        self.skipped = skipped
    }

    /// The keys as a verification key set (no keyless key: a `kid` is always required).
    public var keySet: KeySet { KeySet(signingKey: nil, verificationKeys: Array(keys.values)) }
}
