import Crypto
import CryptoExtras
import Dispatch

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// scrypt cost parameters.
public struct ScryptParameters: Sendable, Hashable {
    /// log2 of the CPU/memory cost N.
    public var logN: Int
    /// Block size r.
    public var r: Int
    /// Parallelism p.
    public var p: Int

    public init(logN: Int, r: Int, p: Int) {
        self.logN = logN
        self.r = r
        self.p = p
    }

    /// OWASP's scrypt floor in its cheapest form here: N = 2^14, r = 8, p = 5 (16 MiB, the same
    /// work as N = 2^17, r = 8, p = 1).
    public static let owasp = ScryptParameters(logN: 14, r: 8, p: 5)

    /// Cheap parameters for tests only. Never use them in production.
    public static let insecureTesting = ScryptParameters(logN: 4, r: 8, p: 1)

    /// The relative work: N·r·p.
    var work: Int { (1 << logN) * r * p }
}

/// Hashes and verifies passwords with scrypt (swift-crypto), in the self-describing format
/// `$scrypt$ln=14,r=8,p=5$<salt>$<hash>` (base64url), off the cooperative thread pool with
/// bounded concurrency.
public struct PasswordHasher: Sendable {
    /// The parameters new hashes get.
    public let parameters: ScryptParameters
    private let limiter: ConcurrencyLimiter
    package let dummyHash: String

    /// Creates a hasher that runs at most `maxConcurrentHashes` at once (default: one per core).
    ///
    /// Unknown-email logins are checked against a dummy hash with the current parameters, so
    /// they cost the same as wrong passwords. It needs no computing: random salt and random
    /// digest bytes make a well-formed hash that no password matches (but 2^-256).
    public init(parameters: ScryptParameters = .owasp, maxConcurrentHashes: Int? = nil) throws {
        self.parameters = parameters
        self.limiter = ConcurrencyLimiter(limit: max(1, maxConcurrentHashes ?? ProcessInfo.processInfo.activeProcessorCount))
        var random = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        let digest = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        self.dummyHash = "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$"
            + Base64URL.encode(salt) + "$" + Base64URL.encode(digest)
    }

    /// Hashes `password` with fresh salt.
    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await limiter.run { try Self.hashNow(password, parameters: parameters) }
    }

    /// `true` when `password` matches `hash`. A malformed hash never matches.
    public func verify(_ password: String, against hash: String) async -> Bool {
        await limiter.runNonThrowing { Self.verifyNow(password, against: hash) }
    }

    /// Spends one verification on a dummy hash and returns `false`: for unknown emails, so the
    /// response time does not tell which emails exist.
    public func verifyDummy(_ password: String) async -> Bool {
        _ = await verify(password, against: dummyHash)
        return false
    }

    /// `true` when `hash` was made with weaker parameters than the current ones.
    public func needsRehash(_ hash: String) -> Bool {
        guard let parsed = Self.parse(hash) else { return true }
        return parsed.parameters.work < parameters.work
    }

    // MARK: Format

    static func hashNow(_ password: String, parameters: ScryptParameters) throws -> String {
        var random = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        let derived = try derive(password, salt: salt, parameters: parameters)
        return "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$"
            + Base64URL.encode(salt) + "$" + Base64URL.encode(derived)
    }

    static func verifyNow(_ password: String, against hash: String) -> Bool {
        guard let parsed = parse(hash),
            let derived = try? derive(password, salt: parsed.salt, parameters: parsed.parameters),
            derived.count == parsed.hash.count
        else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(derived, parsed.hash) { difference |= a ^ b }
        return difference == 0
    }

    private static func derive(_ password: String, salt: [UInt8], parameters: ScryptParameters) throws -> [UInt8] {
        let key = try KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32, rounds: 1 << parameters.logN,
            blockSize: parameters.r, parallelism: parameters.p)
        return key.withUnsafeBytes { Array($0) }
    }

    package static func parse(_ hash: String) -> (parameters: ScryptParameters, salt: [UInt8], hash: [UInt8])? {
        let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0].isEmpty, parts[1] == "scrypt" else { return nil }
        var values: [Substring: Int] = [:]
        for field in parts[2].split(separator: ",") {
            let pair = field.split(separator: "=")
            guard pair.count == 2, let value = Int(pair[1]) else { return nil }
            values[pair[0]] = value
        }
        guard let logN = values["ln"], let r = values["r"], let p = values["p"], (1...24).contains(logN),
            (1...32).contains(r), (1...64).contains(p),
            let salt = Base64URL.decode(String(parts[3])), let digest = Base64URL.decode(String(parts[4])),
            !salt.isEmpty, !digest.isEmpty
        else { return nil }
        return (ScryptParameters(logN: logN, r: r, p: p), salt, digest)
    }
}

/// Runs blocking work on Dispatch's global queue, at most `limit` at a time, waiting
/// asynchronously (without holding a cooperative thread) for a free slot.
final class ConcurrencyLimiter: Sendable {
    private let state: AsyncSemaphore

    init(limit: Int) {
        state = AsyncSemaphore(limit: limit)
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await runNonThrowing { Result { try work() } }.get()
    }

    func runNonThrowing<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await state.acquire()
        let value = await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
        await state.release()
        return value
    }
}

/// A counting semaphore for async code.
actor AsyncSemaphore {
    private var available: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = limit
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            available += 1
        } else {
            waiters.removeFirst().resume()
        }
    }
}
