import Dispatch
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The threads password hashes run on: a process-wide pool that grows to the number of hashes
/// running at once (each ``PasswordHasher`` bounds its own), whose threads run at a lower
/// scheduling priority than everything else in the process.
///
/// A login's scrypt takes ~150 ms of one core; a flood of them keeps every core busy. At an
/// equal priority the kernel shares each core evenly between a hashing thread and an event
/// loop, so every other request (`GET /auth/me`, refresh, JWKS) waits behind hashing. On Linux
/// the pool's threads raise their own nice value by ``niceIncrement`` (nice is per thread
/// there): at the default 5 the scheduler gives an event loop that wants the CPU three times a
/// hashing thread's share, and hashing still has every idle cycle, so login throughput stays at
/// the hardware's limit (docs/PERFORMANCE.md: `/auth/me` p99 during a login flood 10.5 ms at 0,
/// 6.8 ms at 5, 4.7 ms at 10). Elsewhere the work runs on Dispatch's `.utility` queue, which Darwin
/// schedules below the default.
///
/// The price: when the machine is saturated by other work of normal priority (other processes
/// included), hashes slow down by up to the same factor (at 10, nine times: too much for a
/// machine that is often saturated). `FASTAUTH_HASH_NICE` (0–19, default 5)
/// sets the increment; 0 keeps hashing at the process's priority.
final class HashingThreads: Sendable {
    /// The pool every hasher in the process shares.
    static let shared = HashingThreads()

    /// The environment variable that sets ``niceIncrement``.
    static let environmentVariable = "FASTAUTH_HASH_NICE"

    /// How much nicer than the process a hashing thread is (Linux): `FASTAUTH_HASH_NICE`, read
    /// once, default 5.
    static let niceIncrement: Int32 = niceIncrement(environment: ProcessInfo.processInfo.environment) ?? 5

    /// `FASTAUTH_HASH_NICE` in `environment`: `nil` when unset, not an integer, or outside 0…19.
    package static func niceIncrement(environment: [String: String]) -> Int32? {
        guard let raw = environment[environmentVariable], let value = Int32(raw), (0...19).contains(value) else {
            return nil
        }
        return value
    }

    /// More threads than this and jobs wait for a busy one.
    static let maxThreads = 256

    private struct State {
        var jobs = FIFOQueue<@Sendable () -> Void>()
        var threads = 0
        /// Threads waiting for a job and not yet promised one.
        var idle = 0
    }

    private let state = Mutex(State())
    /// One signal per queued job.
    private let queued = DispatchSemaphore(value: 0)

    private init() {}

    /// Runs `job` on a pool thread: an idle one, else a new one.
    func run(_ job: @escaping @Sendable () -> Void) {
        #if os(Linux)
        let spawn = state.withLock { state in
            state.jobs.append(job)
            if state.idle > 0 {
                state.idle -= 1
                return false
            }
            guard state.threads < Self.maxThreads else { return false }
            state.threads += 1
            return true
        }
        if spawn { startThread() }
        queued.signal()
        #else
        DispatchQueue.global(qos: .utility).async(execute: job)
        #endif
    }

    #if os(Linux)
    private func startThread() {
        let context = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let started = pthread_create(
            &thread, nil,
            { context in
                guard let context else { return nil }
                Unmanaged<HashingThreads>.fromOpaque(context).takeRetainedValue().work()
                return nil
            }, context)
        if started == 0 {
            pthread_detach(thread)
        } else {
            // No thread: release the context and run queued work on Dispatch instead.
            Unmanaged<HashingThreads>.fromOpaque(context).release()
            state.withLock { $0.threads -= 1 }
            DispatchQueue.global().async { [self] in
                queued.wait()
                state.withLock { $0.jobs.popFirst() }?()
            }
        }
    }

    /// A pool thread: lowers its own priority, then runs jobs for the life of the process.
    private func work() {
        // PRIO_PROCESS with id 0 names the calling thread on Linux.
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        if Self.niceIncrement > 0 { _ = setpriority(which, 0, min(19, getpriority(which, 0) + Self.niceIncrement)) }
        while true {
            queued.wait()
            state.withLock { $0.jobs.popFirst() }?()
            state.withLock { $0.idle += 1 }
        }
    }
    #endif
}
