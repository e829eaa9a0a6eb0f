public import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The purge task: every ``SecurityConfig/purgeInterval`` it deletes expired rate-limit
/// counters, locks and login attempts, and sessions that ended (revoked or expired) more than
/// ``SecurityConfig/endedSessionRetention`` ago — so no table grows without bound under any
/// request pattern. Safe on any number of instances at once (each step is one idempotent
/// statement). Runs until cancelled; a failing store is logged and retried at the next interval.
public struct HousekeepingService: Sendable {
    /// What one run removed.
    public struct Report: Sendable, Hashable {
        /// Sessions deleted.
        public let sessions: Int
        /// One-time tokens (expired or used) deleted.
        public var oneTimeTokens: Int = 0
        /// Sent and failed outbox messages deleted.
        public var emails: Int = 0
        /// Deleted accounts purged (past their retention).
        public var users: Int = 0
        /// Social sign-in flows that expired unused.
        public var oauthFlows: Int = 0
    }

    public let store: any AuthStore
    public let clock: any WallClock
    public let interval: Duration
    public let retention: Duration
    /// How long deleted accounts, and sent or failed mail, are kept.
    public let accounts: AccountsConfig
    private let logger: Logger

    public init(
        store: any AuthStore, clock: any WallClock, interval: Duration, retention: Duration,
        accounts: AccountsConfig = AccountsConfig(), logger: Logger = Logger(label: "fastauth.housekeeping")
    ) {
        self.store = store
        self.clock = clock
        self.interval = interval
        self.retention = retention
        self.accounts = accounts
        self.logger = logger
    }

    /// One pass, at the clock's `now`.
    @discardableResult
    public func runOnce() async throws -> Report {
        let now = clock.now()
        try await store.purgeExpired(now: now)
        let cutoff = now.addingTimeInterval(-retention.timeInterval)
        let sessions = try await store.deleteSessions(endedBefore: cutoff)
        if sessions > 0 { logger.info("housekeeping: deleted ended sessions", metadata: ["count": "\(sessions)"]) }
        var report = Report(sessions: sessions)
        // A used or expired link is worthless at once; a day's grace keeps recent ones for audits.
        report.oneTimeTokens = try await store.deleteOneTimeTokens(endedBefore: now.addingTimeInterval(-86_400))
        report.emails = try await store.deleteEmails(
            finishedBefore: now.addingTimeInterval(-accounts.finishedEmailRetention.timeInterval))
        report.users = try await store.deleteUsers(
            deletedBefore: now.addingTimeInterval(-accounts.deletedAccountRetention.timeInterval))
        report.oauthFlows = try await store.deleteOAuthFlows(expiredBefore: now)
        if report.users > 0 {
            logger.info("housekeeping: purged deleted accounts", metadata: ["count": "\(report.users)"])
        }
        return report
    }

    /// Runs a pass now and then every `interval` until the task is cancelled; `sleep` waits
    /// (tests pass their own).
    public func run(sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }) async {
        while !Task.isCancelled {
            do {
                try await runOnce()
            } catch {
                logger.error("housekeeping pass failed; retrying at the next interval", metadata: ["error": "\(error)"])
            }
            do {
                try await sleep(interval)
            } catch {
                return
            }
        }
    }
}

extension AuthService {
    /// The purge task for this service's store and configuration.
    public var housekeeping: HousekeepingService {
        HousekeepingService(
            store: store, clock: tokens.clock, interval: config.security.purgeInterval,
            retention: config.security.endedSessionRetention, accounts: config.accounts)
    }
}
