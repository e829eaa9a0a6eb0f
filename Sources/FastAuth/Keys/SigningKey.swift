package import Crypto
import CryptoExtras
import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A key ready to sign or verify tokens: key material, its `kid`, the prepared signature
/// primitive, and the pre-encoded JWS header.
///
/// Everything is computed once, at creation, and held in one immutable object, so copying a
/// key (every ``KeyRing/snapshot`` does) costs one reference count. Every algorithm signs and
/// verifies through swift-crypto directly with the keyed state prepared here (the HMAC inner
/// and outer pads, the parsed RSA, P-256/384/521 or Ed25519 key), or, for RSA signing, through
/// the system's OpenSSL 3 (``RSASigningBackend``): jwt-kit's `JWTAlgorithm` wrappers take any
/// `DataProtocol` and run unspecialised, which cost more than the HMAC itself
/// (docs/PERFORMANCE.md). jwt-kit still parses and generates the key material; its signers are
/// kept as the reference engine the equivalence tests compare against (`JWTKitReference`).
public struct SigningKey: Sendable {
    /// The key's id (`kid`).
    public var id: KeyID { storage.id }
    /// The algorithm the key is pinned to.
    public var algorithm: SigningAlgorithm { storage.material.algorithm }
    /// The key material.
    public var material: KeyMaterial { storage.material }
    /// `base64url({"alg":…,"typ":"JWT","kid":…})`, the first segment of every token it signs.
    package var encodedHeader: [UInt8] { storage.encodedHeader }
    /// ``encodedHeader`` parsed: what ``TokenHeader/parse(_:)`` returns for its bytes, so a
    /// token whose header segment is byte-for-byte this key's needs no header parsing.
    package var header: TokenHeader? { storage.header }

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
        let primitive = try Primitive(material, rsaBackend: rsaBackend)
        var header = JSONWriter(capacity: 96)
        header.raw("{\"alg\":")
        header.string(material.algorithm.rawValue)
        header.raw(",\"typ\":\"JWT\",\"kid\":")
        header.string(kid.rawValue)
        header.byte(UInt8(ascii: "}"))
        var encoded: [UInt8] = []
        Base64URL.encode(header.bytes, into: &encoded)
        let parsed = try? header.bytes.withUnsafeBufferPointer { bytes throws(TokenError) in
            try TokenHeader.parse(bytes)
        }
        storage = Storage(
            id: kid, material: material, primitive: primitive, encodedHeader: encoded, header: parsed)
    }

    /// `true` when the key can sign.
    public var canSign: Bool { material.canSign }

    /// The library this key signs with, for RSA private keys (`nil` for every other key).
    public var rsaSigningBackend: RSASigningBackend? {
        guard case .rsa(let keys) = storage.primitive, keys.privateKey != nil else { return nil }
        return keys.openSSL == nil ? .boringSSL : .openSSL
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
    package func signature(over input: UnsafeRawBufferPointer) throws -> [UInt8] {
        try storage.primitive.signature(over: input)
    }

    /// `true` when `signature` is the key's signature over `input`.
    package func isValidSignature(_ signature: [UInt8], over input: UnsafeRawBufferPointer) throws -> Bool {
        try storage.primitive.isValidSignature(signature, over: input)
    }
}

extension SigningKey {
    /// Signs raw bytes with the key (the JWS signature primitive). Used by tooling and tests.
    public func rawSignature(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { try signature(over: $0) }
    }
}

extension SigningKey {
    /// The immutable state of a key, shared by every copy.
    private final class Storage: Sendable {
        let id: KeyID
        let material: KeyMaterial
        let primitive: Primitive
        let encodedHeader: [UInt8]
        let header: TokenHeader?

        init(id: KeyID, material: KeyMaterial, primitive: Primitive, encodedHeader: [UInt8], header: TokenHeader?) {
            self.id = id
            self.material = material
            self.primitive = primitive
            self.encodedHeader = encodedHeader
            self.header = header
        }
    }

    /// The signature primitive, prepared once, for every algorithm.
    private enum Primitive: Sendable {
        case hs256(PreparedHMAC<SHA256>)
        case hs384(PreparedHMAC<SHA384>)
        case hs512(PreparedHMAC<SHA512>)
        case rsa(RSAKeys)
        case p256(private: P256.Signing.PrivateKey?, public: P256.Signing.PublicKey)
        case p384(private: P384.Signing.PrivateKey?, public: P384.Signing.PublicKey)
        case p521(private: P521.Signing.PrivateKey?, public: P521.Signing.PublicKey)
        case ed25519(private: Curve25519.Signing.PrivateKey?, public: Curve25519.Signing.PublicKey)

        struct RSAKeys: Sendable {
            let privateKey: _RSA.Signing.PrivateKey?
            let publicKey: _RSA.Signing.PublicKey
            let padding: _RSA.Signing.Padding
            let hashByteCount: Int
            /// The private key in OpenSSL 3, when that is the signing backend.
            let openSSL: OpenSSLRSAKey?
            let isPSS: Bool
        }

        init(_ material: KeyMaterial, rsaBackend: RSASigningBackend) throws(KeyError) {
            let algorithm = material.algorithm
            do {
                switch material.backing {
                case .hmac(let key):
                    switch algorithm {
                    case .hs256: self = .hs256(PreparedHMAC(key: key))
                    case .hs384: self = .hs384(PreparedHMAC(key: key))
                    case .hs512: self = .hs512(PreparedHMAC(key: key))
                    default: throw KeyError(.unsupportedAlgorithm, "\(algorithm) is not an HMAC algorithm")
                    }
                case .rsaPrivate(let key):
                    // The same BoringSSL key jwt-kit holds, re-imported from its DER once (jwt-kit
                    // keeps its swift-crypto key private).
                    let parsed = try _RSA.Signing.PrivateKey(derRepresentation: key.derRepresentation)
                    var openSSL: OpenSSLRSAKey?
                    if rsaBackend == .openSSL {
                        var der = [UInt8](parsed.derRepresentation)
                        openSSL = OpenSSLRSAKey(der: der)
                        for index in der.indices { der[index] = 0 }
                    }
                    self = .rsa(try Self.rsa(algorithm, private: parsed, public: parsed.publicKey, openSSL: openSSL))
                case .rsaPublic(let key):
                    let parsed = try _RSA.Signing.PublicKey(derRepresentation: key.derRepresentation)
                    self = .rsa(try Self.rsa(algorithm, private: nil, public: parsed, openSSL: nil))
                case .p256Private(let key):
                    let parsed = try P256.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
                    self = .p256(private: parsed, public: parsed.publicKey)
                case .p256Public(let key):
                    self = .p256(
                        private: nil, public: try P256.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
                case .p384Private(let key):
                    let parsed = try P384.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
                    self = .p384(private: parsed, public: parsed.publicKey)
                case .p384Public(let key):
                    self = .p384(
                        private: nil, public: try P384.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
                case .p521Private(let key):
                    let parsed = try P521.Signing.PrivateKey(pemRepresentation: key.pemRepresentation)
                    self = .p521(private: parsed, public: parsed.publicKey)
                case .p521Public(let key):
                    self = .p521(
                        private: nil, public: try P521.Signing.PublicKey(pemRepresentation: key.pemRepresentation))
                case .ed25519Private(let key):
                    let parsed = try Curve25519.Signing.PrivateKey(rawRepresentation: key.rawRepresentation)
                    self = .ed25519(private: parsed, public: parsed.publicKey)
                case .ed25519Public(let key):
                    self = .ed25519(
                        private: nil, public: try Curve25519.Signing.PublicKey(rawRepresentation: key.rawRepresentation)
                    )
                }
            } catch let error as KeyError {
                throw error
            } catch {
                throw KeyError(.invalidKey, "the \(algorithm) key could not be prepared for signing")
            }
        }

        private static func rsa(
            _ algorithm: SigningAlgorithm, private privateKey: _RSA.Signing.PrivateKey?,
            public publicKey: _RSA.Signing.PublicKey, openSSL: OpenSSLRSAKey?
        ) throws(KeyError) -> RSAKeys {
            let isPSS: Bool
            switch algorithm.family {
            case .rsaPKCS1: isPSS = false
            case .rsaPSS: isPSS = true
            default: throw KeyError(.unsupportedAlgorithm, "\(algorithm) is not an RSA algorithm")
            }
            return RSAKeys(
                privateKey: privateKey, publicKey: publicKey, padding: isPSS ? .PSS : .insecurePKCS1v1_5,
                hashByteCount: algorithm.hashByteCount, openSSL: openSSL, isPSS: isPSS)
        }

        func signature(over input: UnsafeRawBufferPointer) throws -> [UInt8] {
            switch self {
            case .hs256(let keyed): return Self.mac(keyed, input)
            case .hs384(let keyed): return Self.mac(keyed, input)
            case .hs512(let keyed): return Self.mac(keyed, input)
            case .rsa(let keys):
                guard let privateKey = keys.privateKey else { throw KeyError(.invalidKey, "a public key cannot sign") }
                if let openSSL = keys.openSSL {
                    switch keys.hashByteCount {
                    case 48:
                        return try SHA384.hash(data: input).withUnsafeBytes { digest throws(KeyError) in
                            try openSSL.signature(forDigest: digest, pss: keys.isPSS)
                        }
                    case 64:
                        return try SHA512.hash(data: input).withUnsafeBytes { digest throws(KeyError) in
                            try openSSL.signature(forDigest: digest, pss: keys.isPSS)
                        }
                    default:
                        return try SHA256.hash(data: input).withUnsafeBytes { digest throws(KeyError) in
                            try openSSL.signature(forDigest: digest, pss: keys.isPSS)
                        }
                    }
                }
                let signature: _RSA.Signing.RSASignature
                switch keys.hashByteCount {
                case 48: signature = try privateKey.signature(for: SHA384.hash(data: input), padding: keys.padding)
                case 64: signature = try privateKey.signature(for: SHA512.hash(data: input), padding: keys.padding)
                default: signature = try privateKey.signature(for: SHA256.hash(data: input), padding: keys.padding)
                }
                return signature.withUnsafeBytes { Array($0) }
            // ECDSA: the JWS form is the raw r ‖ s (RFC 7518 §3.4), which `rawRepresentation` is.
            case .p256(let privateKey, _):
                guard let privateKey else { throw KeyError(.invalidKey, "a public key cannot sign") }
                return Array(try privateKey.signature(for: SHA256.hash(data: input)).rawRepresentation)
            case .p384(let privateKey, _):
                guard let privateKey else { throw KeyError(.invalidKey, "a public key cannot sign") }
                return Array(try privateKey.signature(for: SHA384.hash(data: input)).rawRepresentation)
            case .p521(let privateKey, _):
                guard let privateKey else { throw KeyError(.invalidKey, "a public key cannot sign") }
                return Array(try privateKey.signature(for: SHA512.hash(data: input)).rawRepresentation)
            case .ed25519(let privateKey, _):
                guard let privateKey else { throw KeyError(.invalidKey, "a public key cannot sign") }
                return Array(try privateKey.signature(for: input))
            }
        }

        func isValidSignature(_ signature: [UInt8], over input: UnsafeRawBufferPointer) throws -> Bool {
            switch self {
            case .hs256(let keyed): return Self.macMatches(keyed, input, signature)
            case .hs384(let keyed): return Self.macMatches(keyed, input, signature)
            case .hs512(let keyed): return Self.macMatches(keyed, input, signature)
            case .rsa(let keys):
                let candidate = _RSA.Signing.RSASignature(rawRepresentation: signature)
                switch keys.hashByteCount {
                case 48:
                    return keys.publicKey.isValidSignature(
                        candidate, for: SHA384.hash(data: input), padding: keys.padding)
                case 64:
                    return keys.publicKey.isValidSignature(
                        candidate, for: SHA512.hash(data: input), padding: keys.padding)
                default:
                    return keys.publicKey.isValidSignature(
                        candidate, for: SHA256.hash(data: input), padding: keys.padding)
                }
            // A signature of the wrong length is refused by the signature's initialiser.
            case .p256(_, let publicKey):
                let candidate = try P256.Signing.ECDSASignature(rawRepresentation: signature)
                return publicKey.isValidSignature(candidate, for: SHA256.hash(data: input))
            case .p384(_, let publicKey):
                let candidate = try P384.Signing.ECDSASignature(rawRepresentation: signature)
                return publicKey.isValidSignature(candidate, for: SHA384.hash(data: input))
            case .p521(_, let publicKey):
                let candidate = try P521.Signing.ECDSASignature(rawRepresentation: signature)
                return publicKey.isValidSignature(candidate, for: SHA512.hash(data: input))
            case .ed25519(_, let publicKey):
                return publicKey.isValidSignature(signature, for: input)
            }
        }

        /// HMAC over `input`.
        @inline(__always)
        private static func mac<H>(_ keyed: PreparedHMAC<H>, _ input: UnsafeRawBufferPointer) -> [UInt8] {
            keyed.authenticationCode(for: input).withUnsafeBytes { Array($0) }
        }

        /// Recomputes the HMAC and compares in constant time (for a given length), as jwt-kit's
        /// default `verify` does.
        @inline(__always)
        private static func macMatches<H>(
            _ keyed: PreparedHMAC<H>, _ input: UnsafeRawBufferPointer, _ signature: [UInt8]
        ) -> Bool {
            keyed.authenticationCode(for: input).withUnsafeBytes { expected in
                guard expected.count == signature.count else { return false }
                var difference: UInt8 = 0
                for index in 0..<expected.count { difference |= expected[index] ^ signature[index] }
                return difference == 0
            }
        }
    }
}

/// HMAC (RFC 2104) from hash states prepared once per key: the inner hash after `key ⊕ ipad`
/// and the outer hash after `key ⊕ opad`, exactly the states swift-crypto's `HMAC<H>(key:)`
/// prepares. Computing from them here, in this module, lets the compiler specialise the hash
/// calls; `HMAC<H>` itself is generic and not inlinable, so every call resolved SHA-256's
/// metadata at run time (about as long as hashing a 300-byte token). Tests pin the output to
/// swift-crypto's `HMAC<H>` for keys shorter than, equal to and longer than a block.
package struct PreparedHMAC<H: HashFunction & Sendable>: Sendable {
    private let inner: H
    private let outer: H

    package init(key: SymmetricKey) {
        // K0: the key, hashed first when longer than a block, zero-padded to a block.
        var block = [UInt8](repeating: 0, count: H.blockByteCount)
        key.withUnsafeBytes { bytes in
            if bytes.count > H.blockByteCount {
                H.hash(data: bytes).withUnsafeBytes { digest in
                    for index in 0..<digest.count { block[index] = digest[index] }
                }
            } else {
                for index in 0..<bytes.count { block[index] = bytes[index] }
            }
        }
        var inner = H()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = H()
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
        for index in block.indices { block[index] = 0 }
    }

    /// `H((K0 ⊕ opad) ‖ H((K0 ⊕ ipad) ‖ message))`.
    package func authenticationCode(for message: UnsafeRawBufferPointer) -> H.Digest {
        var innerHash = inner
        innerHash.update(data: message)
        let innerDigest = innerHash.finalize()
        var outerHash = outer
        innerDigest.withUnsafeBytes { outerHash.update(data: $0) }
        return outerHash.finalize()
    }
}
