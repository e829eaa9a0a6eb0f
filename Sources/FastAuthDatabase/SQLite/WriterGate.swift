import Synchronization

/// Lets one write at a time into an SQLite database from this process. SQLite has a single
/// writer anyway; queueing here, in FIFO order, replaces its busy handler's sleeps (which made
/// tail latency under concurrent refreshes hundreds of milliseconds) with a wake-up the moment
/// the previous writer finishes. Other processes are still coordinated by SQLite's locks and
/// the busy timeout. There is one per database file per process (see ``SQLiteWriteSerialization``).
///
/// A lock, not an actor: a free gate is taken without suspending, and the body runs on the
/// caller's executor — an actor would cost every write two hops (onto the actor and back).
final class WriterGate: Sendable {
    private struct State {
        var busy = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// Runs `body` holding the gate.
    func run<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        let taken = state.withLock { state in
            guard !state.busy else { return false }
            state.busy = true
            return true
        }
        if taken { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                guard state.busy else {
                    state.busy = true
                    return true
                }
                state.waiters.append(waiter)
                return false
            }
            if granted { waiter.resume() }
        }
    }

    /// Hands the gate to the longest waiter, or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
