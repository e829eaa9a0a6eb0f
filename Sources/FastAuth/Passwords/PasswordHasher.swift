import Crypto
import CryptoExtras
import Dispatch
import Synchronization

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
    let limiter: ConcurrencyLimiter
    package let dummyHash: String

    /// Creates a hasher that runs at most `maxConcurrentHashes` at once (default: one per core),
    /// with at most `queueLimit` more waiting (default: unbounded) and none waiting longer
    /// than `maxWait`: beyond either, ``hash(_:)`` and ``check(_:against:)`` throw
    /// ``HashingRefused`` before hashing.
    ///
    /// Unknown-email logins are checked against a dummy hash with the current parameters, so
    /// they cost the same as wrong passwords. It needs no computing: random salt and random
    /// digest bytes make a well-formed hash that no password matches (but 2^-256).
    public init(
        parameters: ScryptParameters = .owasp, maxConcurrentHashes: Int? = nil, queueLimit: Int? = nil,
        maxWait: Duration = .seconds(10)
    ) throws {
        self.parameters = parameters
        self.limiter = ConcurrencyLimiter(
            limit: max(1, maxConcurrentHashes ?? ProcessInfo.processInfo.activeProcessorCount),
            queueLimit: queueLimit ?? .max, maxWait: maxWait)
        var random = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &random) }
        let digest = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        self.dummyHash =
            "$scrypt$ln=\(parameters.logN),r=\(parameters.r),p=\(parameters.p)$"
            + Base64URL.encode(salt) + "$" + Base64URL.encode(digest)
    }

    /// Hashes `password` with fresh salt.
    /// The nice increment of the threads hashes run on (Linux) that `FASTAUTH_HASH_NICE` asks for
    /// in `environment`; `nil` when it is unset or not an integer from 0 to 19.
    public static func hashingNice(environment: [String: String]) -> Int32? {
        HashingThreads.niceIncrement(environment: environment)
    }

    public func hash(_ password: String) async throws -> String {
        let parameters = self.parameters
        return try await limiter.run { try Self.hashNow(password, parameters: parameters) }
    }

    /// `true` when `password` matches `hash`. A malformed hash never matches. Throws
    /// ``HashingRefused`` when the hasher's queue refuses the work.
    public func check(_ password: String, against hash: String) async throws(HashingRefused) -> Bool {
        do {
            return try await limiter.run { Self.verifyNow(password, against: hash) }
        } catch let refused as HashingRefused {
            throw refused
        } catch {
            return false
        }
    }

    /// ``check(_:against:)`` that reads a refusal as "no match".
    public func verify(_ password: String, against hash: String) async -> Bool {
        (try? await check(password, against: hash)) ?? false
    }

    /// Spends one verification on a dummy hash and returns `false`: for unknown emails, so the
    /// response time does not tell which emails exist.
    public func checkDummy(_ password: String) async throws(HashingRefused) -> Bool {
        _ = try await check(password, against: dummyHash)
        return false
    }

    /// ``checkDummy(_:)`` that ignores a refusal.
    public func verifyDummy(_ password: String) async -> Bool {
        _ = await verify(password, against: dummyHash)
        return false
    }

    /// Password hashes waiting for a slot now.
    public var waiting: Int { limiter.waiting }

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
        return ConstantTime.equal(derived, parsed.hash)
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

/// Password hashing refused before it started: the queue in front of the hasher was full, the
/// request waited longer than the hasher allows, or its task was cancelled while waiting.
public struct HashingRefused: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable { case queueFull, waitedTooLong, cancelled }
    public let reason: Reason
    public var description: String {
        switch reason {
        case .queueFull: "the password hashing queue is full"
        case .waitedTooLong: "the request waited too long for password hashing"
        case .cancelled: "the request was cancelled while waiting for password hashing"
        }
    }
}

/// Runs blocking work on the low-priority ``HashingThreads``, at most `limit` at a time, waiting
/// asynchronously (without holding a cooperative thread) for a free slot — with at most
/// `queueLimit` callers waiting: one more is refused at once. A waiter that has waited longer
/// than `maxWait` when its turn comes, or whose task is cancelled while it waits, is dropped
/// before its work runs.
final class ConcurrencyLimiter: Sendable {
    private struct Waiter {
        let id: UInt64
        let since: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var running = 0
        var nextID: UInt64 = 0
        var waiters = FIFOQueue<Waiter>()
        var waiting: Int { waiters.count }
    }

    let limit: Int
    let queueLimit: Int
    let maxWait: TimeInterval
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    init(
        limit: Int, queueLimit: Int = .max, maxWait: Duration = .seconds(3600),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.limit = max(1, limit)
        self.queueLimit = max(0, queueLimit)
        self.maxWait = Double(maxWait.components.seconds) + Double(maxWait.components.attoseconds) / 1e18
        self.now = now
    }

    /// Callers waiting for a slot now.
    var waiting: Int { state.withLock { $0.waiting } }
    /// Work items running now.
    var running: Int { state.withLock { $0.running } }

    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await withCheckedThrowingContinuation { continuation in
            HashingThreads.shared.run { continuation.resume(with: Result { try work() }) }
        }
    }

    private func acquire() async throws(HashingRefused) {
        enum Admission { case now, wait(UInt64), full }
        let id: UInt64 = state.withLock {
            $0.nextID += 1; return $0.nextID
        }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let admission: Admission = state.withLock { state in
                        if Task.isCancelled { return .full }
                        if state.running < limit, state.waiting == 0 {
                            state.running += 1
                            return .now
                        }
                        guard state.waiting < queueLimit else { return .full }
                        state.waiters.append(Waiter(id: id, since: now(), continuation: continuation))
                        return .wait(id)
                    }
                    switch admission {
                    case .now: continuation.resume()
                    case .full:
                        continuation.resume(
                            throwing: HashingRefused(reason: Task.isCancelled ? .cancelled : .queueFull))
                    case .wait: break
                    }
                }
            } onCancel: {
                let cancelled: Waiter? = state.withLock { state in
                    state.waiters.remove { $0.id == id }
                }
                cancelled?.continuation.resume(throwing: HashingRefused(reason: .cancelled))
            }
        } catch let refused as HashingRefused {
            throw refused
        } catch {
            throw HashingRefused(reason: .cancelled)
        }
    }

    /// Frees a slot: hands it to the oldest waiter that has not waited too long; those that
    /// have are refused.
    private func release() {
        var expired: [Waiter] = []
        let current = now()
        let next: Waiter? = state.withLock { state in
            while let waiter = state.waiters.popFirst() {
                if current.timeIntervalSince(waiter.since) > maxWait {
                    expired.append(waiter)
                    continue
                }
                return waiter  // the slot passes to it: `running` stays the same
            }
            state.running -= 1
            return nil
        }
        for waiter in expired { waiter.continuation.resume(throwing: HashingRefused(reason: .waitedTooLong)) }
        next?.continuation.resume()
    }
}
