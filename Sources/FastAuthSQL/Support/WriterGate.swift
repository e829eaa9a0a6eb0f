/// Lets one write transaction at a time into an SQLite database from this process. SQLite has
/// a single writer anyway; queueing here, in FIFO order, replaces its busy handler's sleeps
/// (which made tail latency under concurrent refreshes hundreds of milliseconds) with a
/// wake-up the moment the previous writer commits. Other processes are still coordinated by
/// `BEGIN IMMEDIATE` and the busy timeout.
actor WriterGate {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            busy = false
        } else {
            waiters.removeFirst().resume()
        }
    }

    /// Runs `body` holding the gate.
    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await acquire()
        do {
            let value = try await body()
            release()
            return value
        } catch {
            release()
            throw error
        }
    }
}
