internal import CFastAuthOpenSSL
package import Crypto
package import CryptoExtras

// `ContiguousBytes.withUnsafeBytes` (swift-crypto's digests) is Foundation's protocol.
#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif

/// A key in the form the signature primitives take it: swift-crypto's key types.
package enum JWSPrimitiveKey: Sendable {
    case hmac(SymmetricKey)
    case rsa(private: _RSA.Signing.PrivateKey?, public: _RSA.Signing.PublicKey)
    case p256(private: P256.Signing.PrivateKey?, public: P256.Signing.PublicKey)
    case p384(private: P384.Signing.PrivateKey?, public: P384.Signing.PublicKey)
    case p521(private: P521.Signing.PrivateKey?, public: P521.Signing.PublicKey)
    case ed25519(private: Curve25519.Signing.PrivateKey?, public: Curve25519.Signing.PublicKey)
}

/// A key ready to sign or verify compact JWS: its `kid`, the algorithm it is pinned to, the
/// prepared signature primitive and the pre-encoded JWS header. Immutable and shared: copying a
/// reference is all a key set costs.
package final class JWSKey: Sendable {
    package let id: KeyID
    package let algorithm: SigningAlgorithm
    /// `base64url({"alg":…,"typ":"JWT","kid":…})`, the first segment of every token it signs.
    package let encodedHeader: [UInt8]
    /// ``encodedHeader`` parsed: what ``TokenHeader/parse(_:)`` returns for its bytes, so a token
    /// whose header segment is byte-for-byte this key's needs no header parsing.
    package let header: TokenHeader?
    private let primitive: Primitive

    /// Prepares `key` for `algorithm` under `id`. With `signRSAWithOpenSSL`, an RSA private key
    /// is also imported into the system's OpenSSL 3 and signs there (BoringSSL when that fails).
    package init(
        id: KeyID, algorithm: SigningAlgorithm, key: JWSPrimitiveKey, signRSAWithOpenSSL: Bool
    ) throws(KeyError) {
        self.id = id
        self.algorithm = algorithm
        self.primitive = try Primitive(key, algorithm: algorithm, openSSL: signRSAWithOpenSSL)
        var header = JSONWriter(capacity: 96)
        header.raw("{\"alg\":")
        header.string(algorithm.rawValue)
        header.raw(",\"typ\":\"JWT\",\"kid\":")
        header.string(id.rawValue)
        header.byte(UInt8(ascii: "}"))
        var encoded: [UInt8] = []
        Base64URL.encode(header.bytes, into: &encoded)
        self.encodedHeader = encoded
        self.header = try? TokenHeader.parse(header.bytes.span)
    }

    /// For an RSA private key: `true` when OpenSSL 3 signs, `false` for BoringSSL; `nil` for
    /// every other key.
    package var rsaSignsWithOpenSSL: Bool? {
        guard case .rsa(let keys) = primitive, keys.privateKey != nil else { return nil }
        return keys.openSSL != nil
    }

    /// Signs `input` (the JWS signing input).
    package func signature(over input: Span<UInt8>) throws(KeyError) -> [UInt8] {
        try primitive.signature(over: input)
    }

    /// `true` when `signature` is the key's signature over `input`. A signature of the wrong
    /// length or form is simply not valid.
    package func isValidSignature(_ signature: [UInt8], over input: Span<UInt8>) -> Bool {
        primitive.isValidSignature(signature, over: input)
    }
}

extension JWSKey {
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

        init(_ key: JWSPrimitiveKey, algorithm: SigningAlgorithm, openSSL: Bool) throws(KeyError) {
            func mismatch() -> KeyError {
                KeyError(.unsupportedAlgorithm, "\(algorithm) cannot use this kind of key")
            }
            switch (key, algorithm.family) {
            case (.hmac(let secret), .hmac):
                switch algorithm.hashByteCount {
                case 48: self = .hs384(PreparedHMAC(key: secret))
                case 64: self = .hs512(PreparedHMAC(key: secret))
                default: self = .hs256(PreparedHMAC(key: secret))
                }
            case (.rsa(let privateKey, let publicKey), .rsaPKCS1), (.rsa(let privateKey, let publicKey), .rsaPSS):
                let isPSS = algorithm.family == .rsaPSS
                var imported: OpenSSLRSAKey?
                if openSSL, let privateKey {
                    var der = [UInt8](privateKey.derRepresentation)
                    imported = OpenSSLRSAKey(der: der)
                    for index in der.indices { der[index] = 0 }
                }
                self = .rsa(
                    RSAKeys(
                        privateKey: privateKey, publicKey: publicKey, padding: isPSS ? .PSS : .insecurePKCS1v1_5,
                        hashByteCount: algorithm.hashByteCount, openSSL: imported, isPSS: isPSS))
            case (.p256(let privateKey, let publicKey), .ecdsa) where algorithm == .es256:
                self = .p256(private: privateKey, public: publicKey)
            case (.p384(let privateKey, let publicKey), .ecdsa) where algorithm == .es384:
                self = .p384(private: privateKey, public: publicKey)
            case (.p521(let privateKey, let publicKey), .ecdsa) where algorithm == .es512:
                self = .p521(private: privateKey, public: publicKey)
            case (.ed25519(let privateKey, let publicKey), .eddsa):
                self = .ed25519(private: privateKey, public: publicKey)
            default:
                throw mismatch()
            }
        }

        func signature(over input: Span<UInt8>) throws(KeyError) -> [UInt8] {
            let cannotSign = KeyError(.invalidKey, "a public key cannot sign")
            switch self {
            case .hs256(let keyed): return keyed.authenticationCode(for: input)
            case .hs384(let keyed): return keyed.authenticationCode(for: input)
            case .hs512(let keyed): return keyed.authenticationCode(for: input)
            case .rsa(let keys):
                guard let privateKey = keys.privateKey else { throw cannotSign }
                if let openSSL = keys.openSSL {
                    switch keys.hashByteCount {
                    case 48: return try openSSL.signature(forDigest: Array(Hash.sha384(input)), pss: keys.isPSS)
                    case 64: return try openSSL.signature(forDigest: Array(Hash.sha512(input)), pss: keys.isPSS)
                    default: return try openSSL.signature(forDigest: Array(Hash.sha256(input)), pss: keys.isPSS)
                    }
                }
                do {
                    let signature: _RSA.Signing.RSASignature
                    switch keys.hashByteCount {
                    case 48: signature = try privateKey.signature(for: Hash.sha384(input), padding: keys.padding)
                    case 64: signature = try privateKey.signature(for: Hash.sha512(input), padding: keys.padding)
                    default: signature = try privateKey.signature(for: Hash.sha256(input), padding: keys.padding)
                    }
                    return Array(signature.rawRepresentation)
                } catch {
                    throw KeyError(.invalidKey, "the RSA key could not sign")
                }
            // ECDSA: the JWS form is the raw r ‖ s (RFC 7518 §3.4), which `rawRepresentation` is.
            case .p256(let privateKey, _):
                guard let privateKey else { throw cannotSign }
                return try Self.signing { try privateKey.signature(for: Hash.sha256(input)).rawRepresentation }
            case .p384(let privateKey, _):
                guard let privateKey else { throw cannotSign }
                return try Self.signing { try privateKey.signature(for: Hash.sha384(input)).rawRepresentation }
            case .p521(let privateKey, _):
                guard let privateKey else { throw cannotSign }
                return try Self.signing { try privateKey.signature(for: Hash.sha512(input)).rawRepresentation }
            case .ed25519(let privateKey, _):
                guard let privateKey else { throw cannotSign }
                // Sound: the pointer is the span's own memory, read only inside the closure.
                return try Self.signing {
                    try unsafe input.withUnsafeBytes { bytes in try unsafe privateKey.signature(for: bytes) }
                }
            }
        }

        private static func signing(_ sign: () throws -> some Sequence<UInt8>) throws(KeyError) -> [UInt8] {
            do {
                return Array(try sign())
            } catch {
                throw KeyError(.invalidKey, "the key could not sign")
            }
        }

        func isValidSignature(_ signature: [UInt8], over input: Span<UInt8>) -> Bool {
            switch self {
            case .hs256(let keyed): return keyed.matches(signature, over: input)
            case .hs384(let keyed): return keyed.matches(signature, over: input)
            case .hs512(let keyed): return keyed.matches(signature, over: input)
            case .rsa(let keys):
                let candidate = _RSA.Signing.RSASignature(rawRepresentation: signature)
                switch keys.hashByteCount {
                case 48:
                    return keys.publicKey.isValidSignature(candidate, for: Hash.sha384(input), padding: keys.padding)
                case 64:
                    return keys.publicKey.isValidSignature(candidate, for: Hash.sha512(input), padding: keys.padding)
                default:
                    return keys.publicKey.isValidSignature(candidate, for: Hash.sha256(input), padding: keys.padding)
                }
            // A signature of the wrong length is refused by the signature's initialiser.
            case .p256(_, let publicKey):
                guard let candidate = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
                    return false
                }
                return publicKey.isValidSignature(candidate, for: Hash.sha256(input))
            case .p384(_, let publicKey):
                guard let candidate = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else {
                    return false
                }
                return publicKey.isValidSignature(candidate, for: Hash.sha384(input))
            case .p521(_, let publicKey):
                guard let candidate = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else {
                    return false
                }
                return publicKey.isValidSignature(candidate, for: Hash.sha512(input))
            case .ed25519(_, let publicKey):
                // Sound: the pointer is the span's own memory, read only inside the closure.
                return unsafe input.withUnsafeBytes { bytes in unsafe publicKey.isValidSignature(signature, for: bytes)
                }
            }
        }
    }
}

/// SHA-2 over a span.
private enum Hash {
    // Sound, each: swift-crypto reads the span's own memory, only during the call.
    static func sha256(_ input: Span<UInt8>) -> SHA256.Digest {
        unsafe input.withUnsafeBytes { unsafe SHA256.hash(data: $0) }
    }
    static func sha384(_ input: Span<UInt8>) -> SHA384.Digest {
        unsafe input.withUnsafeBytes { unsafe SHA384.hash(data: $0) }
    }
    static func sha512(_ input: Span<UInt8>) -> SHA512.Digest {
        unsafe input.withUnsafeBytes { unsafe SHA512.hash(data: $0) }
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
        // Sound: the key's bytes are copied out inside the closure and not kept.
        var secret = unsafe key.withUnsafeBytes { unsafe Array($0) }
        if secret.count > H.blockByteCount { secret = Array(H.hash(data: secret)) }
        for index in secret.indices { block[index] = secret[index] }
        var inner = H()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = H()
        outer.update(data: block.map { $0 ^ 0x5C })
        self.inner = inner
        self.outer = outer
        for index in block.indices { block[index] = 0 }
        for index in secret.indices { secret[index] = 0 }
    }

    /// `H((K0 ⊕ opad) ‖ H((K0 ⊕ ipad) ‖ message))`.
    package func digest(for message: Span<UInt8>) -> H.Digest {
        var innerHash = inner
        // Sound: swift-crypto reads the span's own memory, only during the call.
        unsafe message.withUnsafeBytes { unsafe innerHash.update(bufferPointer: $0) }
        let innerDigest = innerHash.finalize()
        var outerHash = outer
        // Sound: the digest's own bytes, read only during the call.
        unsafe innerDigest.withUnsafeBytes { unsafe outerHash.update(bufferPointer: $0) }
        return outerHash.finalize()
    }

    /// The MAC of `message`, as bytes.
    package func authenticationCode(for message: Span<UInt8>) -> [UInt8] {
        // Sound: the digest's own bytes, copied inside the closure.
        unsafe digest(for: message).withUnsafeBytes { unsafe Array($0) }
    }

    /// Recomputes the MAC of `message` and compares it with `signature` in constant time (for a
    /// given length), as jwt-kit's default `verify` does.
    package func matches(_ signature: [UInt8], over message: Span<UInt8>) -> Bool {
        // Sound: the digest's own bytes, compared inside the closure (no copy on the hot path).
        unsafe digest(for: message).withUnsafeBytes { expected in unsafe ConstantTime.equal(expected, signature) }
    }
}

/// The system's OpenSSL 3 `libcrypto`, opened with `dlopen` on first use.
package enum OpenSSLLibrary {
    /// `true` when OpenSSL 3's `libcrypto` loads in this process.
    package static var isAvailable: Bool { fastauth_openssl_load() == 1 }

    /// The loaded OpenSSL's version text, `nil` when none loads.
    package static var version: String? {
        // Sound: OpenSSL returns a static, NUL-terminated string.
        guard let text = unsafe fastauth_openssl_version() else { return nil }
        return unsafe String(cString: text)
    }
}

/// An RSA private key imported into OpenSSL 3 (an `EVP_PKEY`), freed with its last reference.
///
/// `@safe`: the pointer never leaves the class; every use of it is an `unsafe` call below.
@safe final class OpenSSLRSAKey: Sendable {
    // The EVP_PKEY is never mutated after import, and OpenSSL 3 lets one key sign on many
    // threads at once (each signature gets its own EVP_PKEY_CTX); only `deinit` frees it.
    nonisolated(unsafe) private let key: OpaquePointer
    /// The signature length: the modulus in bytes.
    let signatureByteCount: Int

    /// Imports a DER (PKCS#1 or PKCS#8) RSA private key; `nil` when OpenSSL 3 is not loaded or
    /// refuses the key. The caller's bytes are not kept.
    init?(der: [UInt8]) {
        // Sound: OpenSSL reads `count` bytes of the array's own storage during the call and
        // copies what it keeps.
        guard
            let key = unsafe der.withUnsafeBufferPointer({ bytes in
                unsafe fastauth_openssl_rsa_key_import(bytes.baseAddress, bytes.count)
            })
        else { return nil }
        let bits = Int(unsafe fastauth_openssl_rsa_key_bits(key))
        guard bits >= 2048 else {
            unsafe fastauth_openssl_rsa_key_free(key)
            return nil
        }
        unsafe self.key = key
        self.signatureByteCount = (bits + 7) / 8
    }

    deinit { unsafe fastauth_openssl_rsa_key_free(key) }

    /// Signs a SHA-256/384/512 digest: RSASSA-PKCS1-v1_5, or RSASSA-PSS (MGF1 with the same
    /// hash, a random salt as long as the digest).
    func signature(forDigest digest: [UInt8], pss: Bool) throws(KeyError) -> [UInt8] {
        let capacity = signatureByteCount
        var written = 0
        // Sound: OpenSSL reads the digest and writes at most `capacity` bytes into the new
        // array's storage; only a full-length signature counts as initialised.
        let signature = unsafe [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            written = unsafe digest.withUnsafeBufferPointer { digest in
                unsafe fastauth_openssl_rsa_sign(
                    key, pss ? 1 : 0, digest.baseAddress, digest.count, buffer.baseAddress, buffer.count)
            }
            count = written == capacity ? written : 0
        }
        guard written == capacity else { throw KeyError(.invalidKey, "OpenSSL could not sign with the RSA key") }
        return signature
    }
}
