import SQLKit
import Synchronization

/// Group commit for SQLite's single-statement writes: the writes that queue up while one
/// batch is being written go into the next one, and a batch of several is one transaction —
/// one WAL sync for all of them instead of one each. Every writer still gets its own result,
/// only after the commit that made its write durable.
///
/// One writer at a time leads: it takes everything queued (its own write included), writes it
/// as one batch, and hands the lead to the oldest writer still queued — so nobody writes for
/// others for long, and a writer waits for at most the batch in progress and its own.
final class WriteBatcher: Sendable {
    private struct State {
        var pending: [PendingWrite] = []
        var leading = false
        var commits = 0
        var writes = 0
    }

    private let state = Mutex(State())

    /// How many writes were made durable, in how many commits (for tests and diagnostics).
    var totals: (commits: Int, writes: Int) { state.withLock { ($0.commits, $0.writes) } }

    /// How many writes wait for the next batch.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Counts `writes` writes made durable by `commits` commits.
    func record(commits: Int, writes: Int) {
        state.withLock { state in
            state.commits += commits
            state.writes += writes
        }
    }

    /// Queues `write`; `true` when the caller must lead (no batch is being written).
    func enqueue(_ write: PendingWrite) -> Bool {
        state.withLock { state in
            state.pending.append(write)
            guard !state.leading else { return false }
            state.leading = true
            return true
        }
    }

    /// The leader's batch: everything queued.
    func takeBatch() -> [PendingWrite] {
        state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
    }

    /// After the leader's batch: the oldest queued writer leads next, or nobody.
    func handOff() {
        let next = state.withLock { state -> PendingWrite? in
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.promote()
    }
}

/// One queued write: its statement, and the writer waiting for its outcome (or for the lead).
final class PendingWrite: Sendable {
    enum Signal: Sendable {
        case done(Result<any Sendable, any Error>)
        case lead
    }

    private struct State {
        var outcome: Result<any Sendable, any Error>?
        var promoted = false
        var waiter: CheckedContinuation<Signal, Never>?
    }

    let operation: String
    private let statement: @Sendable (any SQLDatabase) async throws -> any Sendable
    private let state = Mutex(State())

    init(operation: String, _ statement: @escaping @Sendable (any SQLDatabase) async throws -> any Sendable) {
        self.operation = operation
        self.statement = statement
    }

    /// Runs the statement on `database`; the caller keeps the result until ``deliver(_:)``.
    func run(on database: any SQLDatabase) async throws -> any Sendable {
        try await statement(database)
    }

    /// Hands the writer its outcome.
    func deliver(_ outcome: Result<any Sendable, any Error>) {
        signal { state in
            state.outcome = outcome
            return .done(outcome)
        }
    }

    /// Tells the writer to lead the next batch.
    func promote() {
        signal { state in
            state.promoted = true
            return .lead
        }
    }

    private func signal(_ update: (inout State) -> Signal) {
        let (waiter, signal) = state.withLock { state in
            let signal = update(&state)
            defer { state.waiter = nil }
            if state.waiter != nil, case .lead = signal { state.promoted = false }
            return (state.waiter, signal)
        }
        waiter?.resume(returning: signal)
    }

    /// Waits for the outcome, or for the lead.
    func next() async -> Signal {
        await withCheckedContinuation { waiter in
            let ready = state.withLock { state -> Signal? in
                if let outcome = state.outcome { return .done(outcome) }
                if state.promoted {
                    state.promoted = false
                    return .lead
                }
                state.waiter = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }
}
