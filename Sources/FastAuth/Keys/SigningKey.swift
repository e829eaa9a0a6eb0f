import Crypto
import CryptoExtras
import JWTKit

/// A key ready to sign or verify tokens: key material, its `kid`, the prepared signature
/// primitive, and the pre-encoded JWS header.
///
/// Everything is computed once, at creation, and held in one immutable object, so copying a
/// key (every ``KeyRing/snapshot`` does) costs one reference count. Every algorithm signs and
/// verifies through swift-crypto directly with the keyed state prepared in the wire engine
/// (`FastAuthJWS`'s `JWSKey`: the HMAC inner and outer pads, the parsed RSA, P-256/384/521 or
/// Ed25519 key), or, for RSA signing, through the system's OpenSSL 3 (``RSASigningBackend``):
/// jwt-kit's `JWTAlgorithm` wrappers take any `DataProtocol` and run unspecialised, which cost
/// more than the HMAC itself (docs/PERFORMANCE.md). jwt-kit still parses and generates the key
/// material, and is the reference engine the equivalence tests hold the wire engine to.
public struct SigningKey: Sendable {
    /// The key's id (`kid`).
    public var id: KeyID { storage.jws.id }
    /// The algorithm the key is pinned to.
    public var algorithm: SigningAlgorithm { storage.material.algorithm }
    /// The key material.
    public var material: KeyMaterial { storage.material }
    /// The wire engine's form of the key.
    package var jws: JWSKey { storage.jws }
    /// `base64url({"alg":…,"typ":"JWT","kid":…})`, the first segment of every token it signs.
    package var encodedHeader: [UInt8] { storage.jws.encodedHeader }
    /// ``encodedHeader`` parsed.
    package var header: TokenHeader? { storage.jws.header }

    private let storage: Storage

    /// Prepares `material` for use under `id` (default: the RFC 7638 thumbprint for public-key
    /// algorithms). HMAC secrets need an explicit `id`.
    public init(material: KeyMaterial, id: KeyID? = nil) throws(KeyError) {
        try self.init(material: material, id: id, rsaBackend: .current)
    }

    /// As ``init(material:id:)``, signing RSA with `rsaBackend` (when it is OpenSSL and the key
    /// cannot be imported there, BoringSSL; ``rsaSigningBackend`` says which).
    package init(material: KeyMaterial, id: KeyID?, rsaBackend: RSASigningBackend) throws(KeyError) {
        guard let kid = id ?? material.thumbprint else {
            throw KeyError(.invalidKey, "an HMAC key needs an explicit key id")
        }
        let jws = try JWSKey(
            id: kid, algorithm: material.algorithm, key: try Self.primitiveKey(material),
            signRSAWithOpenSSL: rsaBackend == .openSSL)
        storage = Storage(material: material, jws: jws)
    }

    /// `true` when the key can sign.
    public var canSign: Bool { material.canSign }

    /// The library this key signs with, for RSA private keys (`nil` for every other key).
    public var rsaSigningBackend: RSASigningBackend? {
        storage.jws.rsaSignsWithOpenSSL.map { $0 ? .openSSL : .boringSSL }
    }

    /// The public JWK published in the JWKS (`kty`, key parameters, `kid`, `alg`, `use`);
    /// `nil` for HMAC secrets, which are never published.
    public var publicJWK: [String: JSONValue]? {
        guard var members = material.thumbprintMembers else { return nil }
        members["kid"] = .string(id.rawValue)
        members["alg"] = .string(algorithm.rawValue)
        members["use"] = "sig"
        return members
    }

    /// Signs `input` (the JWS signing input) with the key.
    package func signature(over input: Span<UInt8>) throws(KeyError) -> [UInt8] {
        try storage.jws.signature(over: input)
    }

    /// `true` when `signature` is the key's signature over `input`.
    package func isValidSignature(_ signature: [UInt8], over input: Span<UInt8>) -> Bool {
        storage.jws.isValidSignature(signature, over: input)
    }

    /// `true` when `signature` is the key's signature over `input`.
    package func isValidSignature(_ signature: [UInt8], over input: UnsafeRawBufferPointer) throws -> Bool {
        storage.jws.isValidSignature(signature, over: input.assumingMemoryBound(to: UInt8.self).span)
    }
}

extension SigningKey {
    /// Signs raw bytes with the key (the JWS signature primitive). Used by tooling and tests.
    public func rawSignature(_ bytes: [UInt8]) throws -> [UInt8] {
        try signature(over: bytes.span)
    }
}

extension SigningKey {
    /// The immutable state of a key, shared by every copy.
    private final class Storage: Sendable {
        let material: KeyMaterial
        let jws: JWSKey

        init(material: KeyMaterial, jws: JWSKey) {
            self.material = material
            self.jws = jws
        }
    }

    /// The swift-crypto key behind `material` (jwt-kit keeps its own private, so the key is
    /// re-imported once from its DER, PEM or raw form).
    private static func primitiveKey(_ material: KeyMaterial) throws(KeyError) -> JWSPrimitiveKey {
        do {
            switch material.backing {
            case .hmac(let key):
                return .hmac(key)
            case .rsaPrivate(let key):
                let parsed = try _RSA.Signing.PrivateKey(derRepresentation: key.derRepresentation)
                return .rsa(private: parsed, public: parsed.publicKey)
            case .rsaPublic(let key):
                return .rsa(private: nil, public: try _RSA.Signing.PublicKey(derRepresentation: key.derRepresentation))
            case .p256Private(let key):
                let parsed = try P256.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
                return .p256(private: parsed, public: parsed.publicKey)
            case .p256Public(let key):
                return .p256(private: nil, public: try P256.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
            case .p384Private(let key):
                let parsed = try P384.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
                return .p384(private: parsed, public: parsed.publicKey)
            case .p384Public(let key):
                return .p384(private: nil, public: try P384.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
            case .p521Private(let key):
                let parsed = try P521.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
                return .p521(private: parsed, public: parsed.publicKey)
            case .p521Public(let key):
                return .p521(private: nil, public: try P521.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
            case .ed25519Private(let key):
                let parsed = try Curve25519.Signing.PrivateKey(rawRepresentation: key.rawRepresentation)
                return .ed25519(private: parsed, public: parsed.publicKey)
            case .ed25519Public(let key):
                return .ed25519(
                    private: nil, public: try Curve25519.Signing.PublicKey(rawRepresentation: key.rawRepresentation))
            }
        } catch {
            throw KeyError(.invalidKey, "the \(material.algorithm) key could not be prepared for signing")
        }
    }
}
