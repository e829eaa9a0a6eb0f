import Dispatch
import FastAuthTesting
import Foundation
import Synchronization
import Testing

@testable import FastAuth

/// Password hashing is admitted through a bounded queue: beyond it a request is refused at once
/// (503 `Server busy` over HTTP), and one that waited too long or was cancelled is dropped before
/// its hash runs.
/// Counts what ran.
final class Tally: Sendable {
    private let value = Mutex(0)
    func add(_ amount: Int) { value.withLock { $0 += amount } }
    var total: Int { value.withLock { $0 } }
}

@Suite("Bounded password hashing")
struct HashQueueTests {
    /// Occupies one slot of `limiter` until `release` is signalled; returns once it runs.
    static func occupy(
        _ limiter: ConcurrencyLimiter, until release: DispatchSemaphore
    ) async throws -> Task<Void, any Error> {
        let task = Task { _ = try await limiter.run { release.wait() } }
        while limiter.running == 0 { await Task.yield() }
        return task
    }

    #if os(Linux)
    @Test("hashes run on threads nicer than the event loops, so a login flood cannot starve other requests")
    func hashingThreadsAreNicer() async throws {
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        let mine = getpriority(which, 0)
        let limiter = ConcurrencyLimiter(limit: 2)
        let seen = try await limiter.run { getpriority(which, 0) }
        #expect(seen == min(19, mine + HashingThreads.niceIncrement))
        #expect(HashingThreads.niceIncrement == 0 || seen > mine)
        // And the hasher itself uses them.
        let hasher = try PasswordHasher(parameters: .insecureTesting)
        let viaHasher = try await hasher.limiter.run { getpriority(which, 0) }
        #expect(viaHasher == seen)
    }
    #endif

    @Test("FASTAUTH_HASH_NICE: 0 to 19, anything else is no setting (serve refuses it)")
    func hashNiceSetting() {
        #expect(PasswordHasher.hashingNice(environment: [:]) == nil)
        #expect(PasswordHasher.hashingNice(environment: ["FASTAUTH_HASH_NICE": "0"]) == 0)
        #expect(PasswordHasher.hashingNice(environment: ["FASTAUTH_HASH_NICE": "19"]) == 19)
        for junk in ["-1", "20", "ten", ""] {
            #expect(PasswordHasher.hashingNice(environment: ["FASTAUTH_HASH_NICE": junk]) == nil)
        }
        #expect(
            HashingThreads.niceIncrement == PasswordHasher.hashingNice(environment: ProcessInfo.processInfo.environment)
                ?? 5)
    }

    @Test("with every slot busy and the queue full, one more is refused at once; the queued ones run")
    func queueFull() async throws {
        let limiter = ConcurrencyLimiter(limit: 1, queueLimit: 2)
        let release = DispatchSemaphore(value: 0)
        let holder = try await Self.occupy(limiter, until: release)
        let ran = Tally()
        let queued = (0..<2).map { _ in Task { try await limiter.run { ran.add(1) } } }
        while limiter.waiting < 2 { await Task.yield() }
        await #expect(throws: HashingRefused(reason: .queueFull)) { try await limiter.run { ran.add(1) } }
        release.signal()
        try await holder.value
        for task in queued { try await task.value }
        #expect(ran.total == 2)
        #expect(limiter.running == 0 && limiter.waiting == 0)
    }

    @Test("a waiter whose task is cancelled is dropped before its work runs")
    func cancelled() async throws {
        let limiter = ConcurrencyLimiter(limit: 1, queueLimit: 4)
        let release = DispatchSemaphore(value: 0)
        let holder = try await Self.occupy(limiter, until: release)
        let ran = Tally()
        let waiter = Task { try await limiter.run { ran.add(1) } }
        while limiter.waiting < 1 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: HashingRefused(reason: .cancelled)) { try await waiter.value }
        #expect(limiter.waiting == 0)
        release.signal()
        try await holder.value
        #expect(ran.total == 0)
        #expect(limiter.running == 0)
    }

    @Test("a waiter that waited longer than maxWait when its turn comes is refused, not run")
    func waitedTooLong() async throws {
        let clock = ManualClock()
        let limiter = ConcurrencyLimiter(limit: 1, queueLimit: 4, maxWait: .seconds(10), now: { clock.now() })
        let release = DispatchSemaphore(value: 0)
        let holder = try await Self.occupy(limiter, until: release)
        let ran = Tally()
        let stale = Task { try await limiter.run { ran.add(1) } }
        while limiter.waiting < 1 { await Task.yield() }
        clock.advance(by: .seconds(11))
        let fresh = Task { try await limiter.run { ran.add(10) } }
        while limiter.waiting < 2 { await Task.yield() }
        release.signal()
        try await holder.value
        await #expect(throws: HashingRefused(reason: .waitedTooLong)) { try await stale.value }
        try await fresh.value
        #expect(ran.total == 10)
    }

    @Test("login and register answer Server busy without hashing when the queue is full, and count no failed attempt")
    func busyLogin() async throws {
        let clock = ManualClock()
        let store = InMemoryStore()
        let config = try FastAuthConfig(
            secret: TestFixtures.secret, security: SecurityConfig(passwordHashing: .insecureTesting))
        let hasher = try PasswordHasher(parameters: .insecureTesting, maxConcurrentHashes: 1, queueLimit: 0)
        let auth = AuthService(
            config: config, store: store, tokens: try await TokenService(config: config, clock: clock), hasher: hasher)
        let context = RequestOrigin(clientAddress: "198.51.100.7")
        _ = try await auth.register(
            email: "ada@example.com", password: "correct horse battery", name: nil, context: context)
        let release = DispatchSemaphore(value: 0)
        let holder = try await Self.occupy(hasher.limiter, until: release)
        for attempt in 0..<7 {
            do {
                if attempt < 6 {
                    _ = try await auth.login(
                        email: "ada@example.com", password: "correct horse battery", remember: false, context: context)
                } else {
                    _ = try await auth.register(
                        email: "bob@example.com", password: "correct horse battery", name: nil, context: context)
                }
                Issue.record("hashed past a full queue")
            } catch {
                #expect(error.code == .busy && error.message == "Server busy" && error.retryAfter == 1)
            }
        }
        release.signal()
        try await holder.value
        // Six refused logins counted nothing towards the lockout: the next one goes through.
        _ = try await auth.login(
            email: "ada@example.com", password: "correct horse battery", remember: false, context: context)
    }
}
