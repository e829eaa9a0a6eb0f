import Logging
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The durable email outbox and its delivery task.
///
/// Requests never talk to a mail server: they seal the message into an ``OutboxEmail`` row (in
/// the same transaction as the token it carries) and signal the delivery task, which claims due
/// rows — one claimant per row across instances — sends them through the ``EmailTransport``,
/// retries transient failures with exponential backoff, and wipes each body once sent.
public struct EmailOutbox: Sendable {
    /// What one delivery pass did.
    public struct Report: Sendable, Hashable {
        public var sent = 0
        /// Decoys (work done for an address with no account) discarded unsent.
        public var discarded = 0
        public var retried = 0
        public var failed = 0
        public init() {}
    }

    public let store: any AuthStore
    /// `nil` when mail is turned off (``AccountsConfig/emailTransport``): nothing is sent.
    public let transport: (any EmailTransport)?
    public let clock: any WallClock
    /// Attempts before a message is given up.
    public let maxAttempts: Int
    /// How long the task waits for due mail when nothing signals it.
    public let pollInterval: Duration
    /// How long a claimed message belongs to one task (a task that died frees it after this).
    public let lease: Duration
    private let sealing: KeySealing
    private let wakeup = Wakeup()
    private let logger: Logger

    init(
        config: FastAuthConfig, store: any AuthStore, clock: any WallClock,
        logger: Logger = Logger(label: "fastauth.email")
    ) {
        self.store = store
        self.transport = config.accounts.emailTransport
        self.clock = clock
        self.maxAttempts = config.accounts.maxDeliveryAttempts
        self.pollInterval = config.accounts.deliveryPollInterval
        self.lease = .seconds(300)
        self.sealing = KeySealing(secret: config.secret, previousSecrets: config.previousSecrets)
        self.logger = logger
    }

    /// A new outbox row holding `message` sealed. A decoy (`deliver: false`) is sealed the same
    /// way — the same work — and discarded by the delivery task.
    func seal(_ message: EmailMessage, deliver: Bool = true, now: Date) throws -> OutboxEmail {
        let id = "em_" + TokenID.generate().rawValue
        let body = try JSONEncoder().encode(message)
        return OutboxEmail(
            id: id, sealedBody: try sealing.seal(Array(body), associatedData: Array(id.utf8)), deliver: deliver,
            createdAt: now)
    }

    /// The message a row holds, when it can be opened with the current or a previous secret.
    func open(_ email: OutboxEmail) -> EmailMessage? {
        guard let sealed = email.sealedBody, let opened = sealing.open(sealed, associatedData: Array(email.id.utf8))
        else {
            return nil
        }
        return try? JSONDecoder().decode(EmailMessage.self, from: Data(opened.plaintext))
    }

    /// Wakes the delivery task: new mail is waiting.
    func signal() { wakeup.signal() }

    /// One delivery pass at the clock's `now`: claims up to `limit` due messages and sends them.
    @discardableResult
    public func deliverDue(limit: Int = 16) async throws -> Report {
        var report = Report()
        guard let transport else { return report }
        let now = clock.now()
        let claimed = try await store.claimEmails(
            now: now, leaseUntil: now.addingTimeInterval(lease.timeInterval), limit: limit)
        for email in claimed {
            guard email.deliver else {
                try await store.completeEmail(id: email.id, outcome: .sent, now: now)
                report.discarded += 1
                continue
            }
            guard let message = open(email) else {
                logger.error(
                    "outbox message cannot be opened with FASTAUTH_SECRET or FASTAUTH_PREVIOUS_SECRETS: given up",
                    metadata: ["email_id": "\(email.id)"])
                try await store.completeEmail(
                    id: email.id, outcome: .failed(error: "sealed under a secret this instance does not have"), now: now
                )
                report.failed += 1
                continue
            }
            do {
                try await transport.send(message)
                try await store.completeEmail(id: email.id, outcome: .sent, now: clock.now())
                logger.info("email sent", metadata: ["email_id": "\(email.id)", "transport": "\(transport.name)"])
                report.sent += 1
            } catch let error as CancellationError {
                throw error
            } catch {
                let failure =
                    (error as? EmailDeliveryError) ?? EmailDeliveryError(.transient, "\(error)".prefix(300).description)
                let summary = String(failure.message.prefix(300))
                if failure.kind == .permanent || email.attempts >= maxAttempts {
                    try await store.completeEmail(id: email.id, outcome: .failed(error: summary), now: clock.now())
                    logger.error(
                        "email given up after \(email.attempts) attempt(s)",
                        metadata: ["email_id": "\(email.id)", "error": "\(summary)"])
                    report.failed += 1
                } else {
                    let retryAt = clock.now().addingTimeInterval(Self.backoff(afterAttempt: email.attempts))
                    try await store.completeEmail(
                        id: email.id, outcome: .retry(at: retryAt, error: summary), now: clock.now())
                    logger.warning(
                        "email delivery failed; retrying", metadata: ["email_id": "\(email.id)", "error": "\(summary)"])
                    report.retried += 1
                }
            }
        }
        return report
    }

    /// Seconds before attempt `attempt + 1`: 30 s doubling per attempt, at most an hour, with
    /// ±10 % jitter so instances retrying one outage do not stampede.
    static func backoff(afterAttempt attempt: Int) -> TimeInterval {
        let base = min(3600, 30 * Double(1 << min(max(0, attempt - 1), 20)))
        return base * Double.random(in: 0.9...1.1)
    }

    /// Delivers due mail until the task is cancelled: a pass whenever a request signals new
    /// mail, and every ``pollInterval`` (retries, other instances' mail). A failing store is
    /// logged and tried again at the next pass. `sleep` waits (tests pass their own).
    public func run(
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) async {
        guard transport != nil else { return }
        while !Task.isCancelled {
            do {
                while try await deliverDue().total == 16 {}
            } catch is CancellationError {
                return
            } catch {
                logger.error("email delivery pass failed; retrying at the next pass", metadata: ["error": "\(error)"])
            }
            let interval = pollInterval
            let wakeup = self.wakeup
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await sleep(interval) }
                group.addTask { await wakeup.wait() }
                await group.next()
                group.cancelAll()
            }
        }
    }
}

extension EmailOutbox.Report {
    /// Messages the pass handled.
    public var total: Int { sent + discarded + retried + failed }
}

extension Duration {
    var timeInterval: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// A one-slot signal: ``signal()`` wakes the current or the next ``wait()``.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns at the next signal (or at once if one is pending), or when the task is cancelled.
    func wait() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
