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
    public static var isOpenSSLAvailable: Bool { OpenSSLLibrary.isAvailable }

    /// The loaded OpenSSL's version text (`"OpenSSL 3.0.19 27 Jan 2026"`), `nil` when none loads.
    public static var openSSLVersion: String? { OpenSSLLibrary.version }

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
