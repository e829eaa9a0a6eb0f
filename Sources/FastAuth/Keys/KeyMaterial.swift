package import Crypto
import CryptoExtras
package import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Parsed key material for one algorithm: a private or public key, or an HMAC secret.
///
/// Parsing is synchronous so configuration can validate keys at construction; a
/// ``SigningKey`` (which holds jwt-kit's signer) is made from it with ``SigningKey/init(material:id:)``.
public struct KeyMaterial: Sendable {
    package enum Backing: Sendable {
        case hmac(SymmetricKey)
        case rsaPrivate(JWTKit.Insecure.RSA.PrivateKey)
        case rsaPublic(JWTKit.Insecure.RSA.PublicKey)
        case p256Private(ES256PrivateKey)
        case p256Public(ES256PublicKey)
        case p384Private(ES384PrivateKey)
        case p384Public(ES384PublicKey)
        case p521Private(ES512PrivateKey)
        case p521Public(ES512PublicKey)
        case ed25519Private(EdDSA.PrivateKey)
        case ed25519Public(EdDSA.PublicKey)
    }

    /// The algorithm this material signs or verifies with.
    public let algorithm: SigningAlgorithm
    package let backing: Backing

    package init(algorithm: SigningAlgorithm, backing: Backing) {
        self.algorithm = algorithm
        self.backing = backing
    }

    /// `true` when the material can sign (a private key or a secret).
    public var canSign: Bool {
        switch backing {
        case .hmac, .rsaPrivate, .p256Private, .p384Private, .p521Private, .ed25519Private: true
        default: false
        }
    }

    // MARK: Loading

    /// An HMAC secret for `algorithm`; refused when shorter than the hash output (RFC 7518 §3.2).
    public static func hmac(secret: some Collection<UInt8>, algorithm: SigningAlgorithm) throws(KeyError) -> Self {
        guard algorithm.family == .hmac else {
            throw KeyError(.unsupportedAlgorithm, "\(algorithm) is not an HMAC algorithm")
        }
        guard secret.count >= algorithm.hashByteCount else {
            throw KeyError(
                .weakKey,
                "an \(algorithm) secret must be at least \(algorithm.hashByteCount) bytes, got \(secret.count)")
        }
        return Self(algorithm: algorithm, backing: .hmac(SymmetricKey(data: Array(secret))))
    }

    /// Loads a PEM private key (PKCS#8, PKCS#1 or SEC1) for `algorithm`.
    public static func privateKey(pem: String, algorithm: SigningAlgorithm) throws(KeyError) -> Self {
        try load(pem: pem, algorithm: algorithm, isPrivate: true)
    }

    /// Loads a PEM public key (SubjectPublicKeyInfo or PKCS#1) for `algorithm`.
    public static func publicKey(pem: String, algorithm: SigningAlgorithm) throws(KeyError) -> Self {
        try load(pem: pem, algorithm: algorithm, isPrivate: false)
    }

    private static func load(pem: String, algorithm: SigningAlgorithm, isPrivate: Bool) throws(KeyError) -> Self {
        let kind = isPrivate ? "private" : "public"
        guard let family = algorithm.family, family != .hmac else {
            throw KeyError(.unsupportedAlgorithm, "\(algorithm) does not use a PEM key")
        }
        do {
            switch (family, isPrivate, algorithm) {
            case (.rsaPKCS1, true, _), (.rsaPSS, true, _):
                // Parse without swift-crypto's size floor first, to report a weak key as such.
                try checkRSASize(try _RSA.Signing.PrivateKey(unsafePEMRepresentation: pem).keySizeInBits)
                let backing = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
                try checkRSASize(backing.keySizeInBits)
                return Self(
                    algorithm: algorithm, backing: .rsaPrivate(try JWTKit.Insecure.RSA.PrivateKey(backing: backing)))
            case (.rsaPKCS1, false, _), (.rsaPSS, false, _):
                try checkRSASize(try _RSA.Signing.PublicKey(unsafePEMRepresentation: pem).keySizeInBits)
                let backing = try _RSA.Signing.PublicKey(pemRepresentation: pem)
                try checkRSASize(backing.keySizeInBits)
                return Self(
                    algorithm: algorithm, backing: .rsaPublic(try JWTKit.Insecure.RSA.PublicKey(backing: backing)))
            case (.ecdsa, true, .es256):
                return Self(algorithm: algorithm, backing: .p256Private(try ES256PrivateKey(pem: pem)))
            case (.ecdsa, false, .es256):
                return Self(algorithm: algorithm, backing: .p256Public(try ES256PublicKey(pem: pem)))
            case (.ecdsa, true, .es384):
                return Self(algorithm: algorithm, backing: .p384Private(try ES384PrivateKey(pem: pem)))
            case (.ecdsa, false, .es384):
                return Self(algorithm: algorithm, backing: .p384Public(try ES384PublicKey(pem: pem)))
            case (.ecdsa, true, _):
                return Self(algorithm: algorithm, backing: .p521Private(try ES512PrivateKey(pem: pem)))
            case (.ecdsa, false, _):
                return Self(algorithm: algorithm, backing: .p521Public(try ES512PublicKey(pem: pem)))
            case (.eddsa, true, _):
                return Self(algorithm: algorithm, backing: .ed25519Private(try EdDSA.PrivateKey(pem: pem)))
            case (.eddsa, false, _):
                return Self(algorithm: algorithm, backing: .ed25519Public(try EdDSA.PublicKey(pem: pem)))
            default:
                throw KeyError(.unsupportedAlgorithm, "\(algorithm) does not use a PEM key")
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw KeyError(.invalidKey, "the \(kind) key is not a valid \(kind) PEM key for \(algorithm)")
        }
    }

    private static func checkRSASize(_ bits: Int) throws(KeyError) {
        guard bits >= 2048 else {
            throw KeyError(.weakKey, "RSA keys must be at least 2048 bits, this one has \(bits)")
        }
    }

    /// Generates a new private key for `algorithm` (`rsaBits` for RS*/PS*: 2048, 3072 or 4096).
    public static func generate(algorithm: SigningAlgorithm, rsaBits: Int = 2048) throws(KeyError) -> Self {
        switch algorithm.family {
        case .rsaPKCS1, .rsaPSS:
            let size: _RSA.Signing.KeySize
            switch rsaBits {
            case 2048: size = .bits2048
            case 3072: size = .bits3072
            case 4096: size = .bits4096
            default: throw KeyError(.weakKey, "RSA key size must be 2048, 3072 or 4096 bits, not \(rsaBits)")
            }
            do {
                let key = try JWTKit.Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: size))
                return Self(algorithm: algorithm, backing: .rsaPrivate(key))
            } catch {
                throw KeyError(.invalidKey, "RSA key generation failed")
            }
        case .ecdsa:
            switch algorithm {
            case .es256: return Self(algorithm: algorithm, backing: .p256Private(ES256PrivateKey()))
            case .es384: return Self(algorithm: algorithm, backing: .p384Private(ES384PrivateKey()))
            default: return Self(algorithm: algorithm, backing: .p521Private(ES512PrivateKey()))
            }
        case .eddsa:
            return Self(algorithm: algorithm, backing: .ed25519Private(EdDSA.PrivateKey(backing: .init())))
        case .hmac:
            var random = SystemRandomNumberGenerator()
            let bytes = (0..<algorithm.hashByteCount * 2).map { _ in UInt8.random(in: 0...255, using: &random) }
            return try hmac(secret: bytes, algorithm: algorithm)
        case nil:
            throw KeyError(.unsupportedAlgorithm, "unknown algorithm \"\(algorithm)\"")
        }
    }

    // MARK: Exporting

    /// The public half (a copy for public keys; `nil` for HMAC secrets).
    public var publicMaterial: KeyMaterial? {
        let publicBacking: Backing
        switch backing {
        case .hmac: return nil
        case .rsaPrivate(let k): publicBacking = .rsaPublic(k.publicKey)
        case .p256Private(let k): publicBacking = .p256Public(k.publicKey)
        case .p384Private(let k): publicBacking = .p384Public(k.publicKey)
        case .p521Private(let k): publicBacking = .p521Public(k.publicKey)
        case .ed25519Private(let k): publicBacking = .ed25519Public(k.publicKey)
        default: return self
        }
        return KeyMaterial(algorithm: algorithm, backing: publicBacking)
    }

    /// The private key as PKCS#8/SEC1 PEM; `nil` for public keys and secrets.
    public var privateKeyPEM: String? {
        switch backing {
        case .rsaPrivate(let k): k.pemRepresentation
        case .p256Private(let k): k.pemRepresentation
        case .p384Private(let k): k.pemRepresentation
        case .p521Private(let k): k.pemRepresentation
        case .ed25519Private(let k): k.pemRepresentation
        default: nil
        }
    }

    /// The public key as SubjectPublicKeyInfo PEM; `nil` for secrets.
    public var publicKeyPEM: String? {
        switch publicMaterial?.backing {
        case .rsaPublic(let k)?: k.pemRepresentation
        case .p256Public(let k)?: k.pemRepresentation
        case .p384Public(let k)?: k.pemRepresentation
        case .p521Public(let k)?: k.pemRepresentation
        case .ed25519Public(let k)?: k.pemRepresentation
        default: nil
        }
    }

    /// The RSA modulus size in bits, for RSA keys.
    public var rsaBits: Int? {
        guard case .rsaPublic(let key)? = publicMaterial?.backing,
            let modulus = try? key.getKeyPrimitives().modulus
        else { return nil }
        let bytes = Array(modulus.drop(while: { $0 == 0 }))
        guard let first = bytes.first else { return 0 }
        return bytes.count * 8 - first.leadingZeroBitCount
    }

    /// The RFC 7638 required members of the public JWK (`kty` and the key parameters);
    /// `nil` for secrets.
    public var thumbprintMembers: [String: JSONValue]? {
        switch publicMaterial?.backing {
        case .rsaPublic(let k)?:
            guard let primitives = try? k.getKeyPrimitives() else { return nil }
            return [
                "kty": "RSA",
                "n": .string(Base64URL.encode(Array(primitives.modulus.drop(while: { $0 == 0 })))),
                "e": .string(Base64URL.encode(Array(primitives.publicExponent.drop(while: { $0 == 0 })))),
            ]
        case .p256Public(let k)?:
            return Self.ecMembers(
                crv: "P-256",
                x963: try? P256.Signing.PublicKey(pemRepresentation: k.pemRepresentation).x963Representation)
        case .p384Public(let k)?:
            return Self.ecMembers(
                crv: "P-384",
                x963: try? P384.Signing.PublicKey(pemRepresentation: k.pemRepresentation).x963Representation)
        case .p521Public(let k)?:
            return Self.ecMembers(
                crv: "P-521",
                x963: try? P521.Signing.PublicKey(pemRepresentation: k.pemRepresentation).x963Representation)
        case .ed25519Public(let k)?:
            return ["kty": "OKP", "crv": "Ed25519", "x": .string(Base64URL.encode(Array(k.rawRepresentation)))]
        default:
            return nil
        }
    }

    private static func ecMembers(crv: String, x963: Data?) -> [String: JSONValue]? {
        guard let x963, x963.count % 2 == 1 else { return nil }
        let bytes = Array(x963.dropFirst())
        let half = bytes.count / 2
        return [
            "kty": "EC", "crv": .string(crv),
            "x": .string(Base64URL.encode(bytes[..<half])),
            "y": .string(Base64URL.encode(bytes[half...])),
        ]
    }

    /// The RFC 7638 SHA-256 thumbprint of the public key, base64url: FastAuth's `kid`.
    /// `nil` for secrets.
    public var thumbprint: KeyID? {
        guard let members = thumbprintMembers else { return nil }
        // RFC 7638 §3: required members only, lexicographic order, no whitespace — exactly
        // what the sorted-key compact writer produces.
        return KeyID(Base64URL.encode(Array(SHA256.hash(data: JSONValue.object(members).jsonBytes))))
    }

    /// `true` when `other` is the same public key as this material's public half.
    public func hasPublicKey(_ other: KeyMaterial) -> Bool {
        guard let mine = thumbprintMembers, let theirs = other.thumbprintMembers else { return false }
        return mine == theirs
    }
}
