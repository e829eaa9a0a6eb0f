internal import CFastAuthOpenSSL

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The library that performs RSA private-key operations (RS256…RS512 and PS256…PS512 signing).
///
/// On a CPU with AVX-512 IFMA, OpenSSL 3 signs RSA-2048 about twice as fast as the BoringSSL
/// inside swift-crypto (docs/PERFORMANCE.md). FastAuth therefore signs through the system's
/// OpenSSL 3 `libcrypto` when one can be loaded at run time, and through BoringSSL otherwise.
/// Nothing is needed at build time: the library is opened with `dlopen` on first use and the
/// functions are resolved by name (pinned to the `OPENSSL_3.0.0` symbol version on Linux).
/// Private keys are handed to the library in memory and never leave the process.
/// Verification always runs on BoringSSL, which verifies as fast.
///
/// `FASTAUTH_CRYPTO` chooses: unset (or `auto`) takes OpenSSL 3 when it loads, `openssl`
/// requires it, `boringssl` forces the fallback.
public enum RSASigningBackend: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// The system's OpenSSL 3 `libcrypto`, loaded at run time.
    case openSSL = "openssl"
    /// The BoringSSL compiled into swift-crypto.
    case boringSSL = "boringssl"

    /// The environment variable that chooses the backend.
    public static let environmentVariable = "FASTAUTH_CRYPTO"

    /// The backend new keys sign with in this process: ``resolve(environment:)`` over the
    /// process environment, read once; BoringSSL when that fails (an unknown value, or
    /// `openssl` without a loadable library) — `fastauth serve` refuses to start in that case.
    public static let current: RSASigningBackend =
        (try? resolve(environment: ProcessInfo.processInfo.environment)) ?? .boringSSL

    /// `true` when OpenSSL 3's `libcrypto` loads in this process.
    public static var isOpenSSLAvailable: Bool { fastauth_openssl_load() == 1 }

    /// The loaded OpenSSL's version text (`"OpenSSL 3.0.19 27 Jan 2026"`), `nil` when none loads.
    public static var openSSLVersion: String? {
        guard let text = fastauth_openssl_version() else { return nil }
        return String(cString: text)
    }

    /// The backend `FASTAUTH_CRYPTO` asks for in `environment`; an unknown value, or `openssl`
    /// when no OpenSSL 3 loads, is a readable error.
    public static func resolve(environment: [String: String]) throws(ConfigurationError) -> RSASigningBackend {
        let raw = (environment[environmentVariable] ?? "").drop(while: \.isWhitespace)
        let end = raw.lastIndex(where: { !$0.isWhitespace }).map { raw.index(after: $0) } ?? raw.startIndex
        let value = raw[..<end].lowercased()
        switch value {
        case "", "auto": return isOpenSSLAvailable ? .openSSL : .boringSSL
        case "boringssl": return .boringSSL
        case "openssl":
            guard isOpenSSLAvailable else {
                throw ConfigurationError(problems: [
                    "\(environmentVariable)=openssl, but no OpenSSL 3 libcrypto could be loaded "
                        + "(install libssl3, or unset \(environmentVariable) to sign with BoringSSL)"
                ])
            }
            return .openSSL
        default:
            throw ConfigurationError(problems: [
                "\(environmentVariable) must be auto, openssl or boringssl, not \"\(value)\""
            ])
        }
    }

    /// One line for a start-up log: the backend, and OpenSSL's version when it is the one.
    public static func describe(_ backend: RSASigningBackend) -> String {
        switch backend {
        case .openSSL: "RSA signing: \(openSSLVersion ?? "OpenSSL 3") (system libcrypto)"
        case .boringSSL: "RSA signing: BoringSSL (swift-crypto)"
        }
    }

    public var description: String { rawValue }
}

/// An RSA private key imported into OpenSSL 3 (an `EVP_PKEY`), freed with its last reference.
final class OpenSSLRSAKey: Sendable {
    // The EVP_PKEY is never mutated after import, and OpenSSL 3 lets one key sign on many
    // threads at once (each signature gets its own EVP_PKEY_CTX); only `deinit` frees it.
    nonisolated(unsafe) private let key: OpaquePointer
    /// The signature length: the modulus in bytes.
    let signatureByteCount: Int

    /// Imports a DER (PKCS#1 or PKCS#8) RSA private key; `nil` when OpenSSL 3 is not loaded or
    /// refuses the key. The caller's bytes are not kept.
    init?(der: [UInt8]) {
        guard
            let key = der.withUnsafeBufferPointer({ bytes in
                fastauth_openssl_rsa_key_import(bytes.baseAddress, bytes.count)
            })
        else { return nil }
        let bits = Int(fastauth_openssl_rsa_key_bits(key))
        guard bits >= 2048 else {
            fastauth_openssl_rsa_key_free(key)
            return nil
        }
        self.key = key
        self.signatureByteCount = (bits + 7) / 8
    }

    deinit { fastauth_openssl_rsa_key_free(key) }

    /// Signs a SHA-256/384/512 digest: RSASSA-PKCS1-v1_5, or RSASSA-PSS (MGF1 with the same
    /// hash, a random salt as long as the digest).
    func signature(forDigest digest: UnsafeRawBufferPointer, pss: Bool) throws(KeyError) -> [UInt8] {
        let capacity = signatureByteCount
        var written = 0
        let signature = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            written = fastauth_openssl_rsa_sign(
                key, pss ? 1 : 0, digest.baseAddress?.assumingMemoryBound(to: UInt8.self), digest.count,
                buffer.baseAddress, buffer.count)
            count = written == capacity ? written : 0
        }
        guard written == capacity else { throw KeyError(.invalidKey, "OpenSSL could not sign with the RSA key") }
        return signature
    }
}
