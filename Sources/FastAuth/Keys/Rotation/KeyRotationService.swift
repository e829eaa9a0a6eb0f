public import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The background loop of managed keys: asks the ``KeyManager`` to apply the rotation
/// policy, then sleeps until the next action or the reload interval, whichever comes first,
/// so every instance picks up another instance's rotation within ``reloadInterval``. Runs until
/// cancelled; a failing store is retried with backoff, never crashing the process.
///
/// The loop sleeps on a `Clock` of the caller's choice (``run(clock:)``) and decides by the key
/// manager's wall clock, so a test drives both with one manual clock and no real waiting.
public struct KeyRotationService: Sendable {
    public let keys: KeyManager
    /// The longest an instance goes without reloading the key set from the store.
    public let reloadInterval: Duration
    private let logger: Logger

    /// Creates the loop. The default reload interval is a tenth of the rotation interval or
    /// of the JWKS max-age, between 1 and 10 seconds.
    public init(keys: KeyManager, reloadInterval: Duration? = nil, logger: Logger = Logger(label: "fastauth.keys")) {
        self.keys = keys
        let policy = keys.policy
        let candidates = [policy.interval, policy.jwksMaxAge].compactMap { $0 }.map { $0.wholeSeconds / 10 }
        let seconds = max(1, min(10, candidates.min() ?? 10))
        self.reloadInterval = reloadInterval ?? .seconds(seconds)
        self.logger = logger
    }

    /// Runs until the task is cancelled, sleeping on the continuous clock.
    public func run() async {
        await run(clock: ContinuousClock())
    }

    /// Runs until the task is cancelled, sleeping on `clock`.
    public func run<C: Clock>(clock: C) async where C.Duration == Duration {
        guard keys.isManaged else { return }
        var failures = 0
        while !Task.isCancelled {
            var pause = reloadInterval
            do {
                let next = try await keys.tick()
                failures = 0
                let untilNext = next.timeIntervalSince(keys.now)
                if untilNext < Double(reloadInterval.wholeSeconds) {
                    pause = .milliseconds(max(100, Int64(untilNext * 1000)))
                }
            } catch {
                failures += 1
                pause = .seconds(min(30, 1 << min(failures, 5)))
                logger.error(
                    "key rotation step failed; retrying", metadata: ["error": "\(error)", "retry_in": "\(pause)"])
            }
            do {
                try await clock.sleep(for: pause)
            } catch {
                return
            }
        }
    }
}
