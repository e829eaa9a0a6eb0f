import FastAuthSQL
import SQLKit
import Synchronization

/// Group commit for SQLite's single-statement writes: the writes that queue up while one
/// batch is being written go into the next one, and a batch of several is one transaction —
/// one WAL sync for all of them instead of one each. Every writer still gets its own result,
/// only after the commit that made its write durable.
///
/// One writer at a time leads: it takes everything queued (its own write included), writes it
/// as one batch holding the ``WriterGate``, and hands the lead to the oldest writer still queued
/// — so nobody writes for others for long, and a writer waits for at most the batch in progress
/// and its own.
///
/// Each queued write is a ``PendingWrite`` of its own result type, which keeps its typed result
/// and its waiter; the batcher sees only ``QueuedWrite``: run on this connection, deliver, run
/// alone.
final class WriteBatcher: Sendable {
    private struct State {
        var pending: [any QueuedWrite] = []
        var leading = false
        var commits = 0
        var writes = 0
    }

    private let state = Mutex(State())

    /// How many writes were made durable, in how many commits (for tests and diagnostics).
    var totals: (commits: Int, writes: Int) { state.withLock { ($0.commits, $0.writes) } }

    /// How many writes wait for the next batch.
    var pendingCount: Int { state.withLock { $0.pending.count } }

    /// Writes `statement` in the next batch, written under `gate`, and returns its result once
    /// committed. `executor` runs the batch's transaction when this writer leads, and this
    /// statement alone when its batch fails.
    func write<T: Sendable>(
        _ statement: @escaping @Sendable (any SQLDatabase) async throws -> T, through executor: any SQLWriteExecutor,
        gate: WriterGate
    ) async throws -> T {
        let write = PendingWrite(statement, executor: executor)
        var leads = enqueue(write)
        while true {
            if leads {
                let batch = takeBatch()
                // In a task of its own: cancelling the leader must not fail the others' writes.
                await Task { await gate.run { await writeBatch(batch, through: executor) } }.value
                handOff()
            }
            switch await write.next() {
            case .lead:
                leads = true
            case .done(let outcome):
                return try outcome.get()
            }
        }
    }

    /// Writes `batch`: alone in autocommit mode, or several in one transaction run by `executor`;
    /// falls back to one by one, each through its own executor, when the transaction fails.
    private func writeBatch(_ batch: [any QueuedWrite], through executor: any SQLWriteExecutor) async {
        if batch.count > 1 {
            let deliveries = try? await executor.transaction { connection in
                var deliveries: [@Sendable () -> Void] = []
                for write in batch { deliveries.append(try await write.stage(on: connection)) }
                return deliveries
            }
            if let deliveries {
                record(commits: 1, writes: batch.count)
                for deliver in deliveries { deliver() }
                return
            }
        }
        for write in batch {
            await write.runAlone { record(commits: 1, writes: 1) }
        }
    }

    /// Counts `writes` writes made durable by `commits` commits.
    private func record(commits: Int, writes: Int) {
        state.withLock { state in
            state.commits += commits
            state.writes += writes
        }
    }

    /// Queues `write`; `true` when the caller must lead (no batch is being written).
    private func enqueue(_ write: any QueuedWrite) -> Bool {
        state.withLock { state in
            state.pending.append(write)
            guard !state.leading else { return false }
            state.leading = true
            return true
        }
    }

    /// The leader's batch: everything queued.
    private func takeBatch() -> [any QueuedWrite] {
        state.withLock { state in
            defer { state.pending = [] }
            return state.pending
        }
    }

    /// After the leader's batch: the oldest queued writer leads next, or nobody.
    private func handOff() {
        let next = state.withLock { state -> (any QueuedWrite)? in
            guard let first = state.pending.first else {
                state.leading = false
                return nil
            }
            return first
        }
        next?.promote()
    }
}

/// A queued write as the batcher sees it, whatever its result type.
protocol QueuedWrite: AnyObject, Sendable {
    /// Runs the statement on `connection`, inside the batch's transaction; returns what hands the
    /// writer its result once that transaction has committed.
    func stage(on connection: any SQLDatabase) async throws -> @Sendable () -> Void
    /// Runs the statement alone through the writer's own executor and hands the writer its
    /// outcome, calling `committed` first when it succeeded.
    func runAlone(committed: () -> Void) async
    /// Tells the writer to lead the next batch.
    func promote()
}

/// One queued write: its statement, its executor, and the writer waiting for its outcome (or
/// for the lead).
final class PendingWrite<Value: Sendable>: QueuedWrite {
    enum Signal: Sendable {
        case done(Result<Value, any Error>)
        case lead
    }

    private struct State {
        var outcome: Result<Value, any Error>?
        var promoted = false
        var waiter: CheckedContinuation<Signal, Never>?
    }

    private let statement: @Sendable (any SQLDatabase) async throws -> Value
    private let executor: any SQLWriteExecutor
    private let state = Mutex(State())

    init(_ statement: @escaping @Sendable (any SQLDatabase) async throws -> Value, executor: any SQLWriteExecutor) {
        self.statement = statement
        self.executor = executor
    }

    func stage(on connection: any SQLDatabase) async throws -> @Sendable () -> Void {
        let value = try await statement(connection)
        return { self.deliver(.success(value)) }
    }

    func runAlone(committed: () -> Void) async {
        do {
            let value = try await executor.alone(statement)
            committed()
            deliver(.success(value))
        } catch {
            deliver(.failure(error))
        }
    }

    /// Hands the writer its outcome.
    private func deliver(_ outcome: Result<Value, any Error>) {
        signal { state in
            state.outcome = outcome
            return .done(outcome)
        }
    }

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
