public import FastAuth
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A clock that only moves when a test moves it: a ``FastAuth/WallClock`` for the code that
/// asks the time, and — as ``sleepClock`` — a Swift `Clock` for the loops that sleep, whose
/// sleeps end once the test has advanced the clock past their deadline.
public final class ManualClock: WallClock {

    private struct Sleeper {
        let id: Int
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Sleeper] = []
        var nextID = 0
        var watchers: [(count: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let state: Mutex<State>

    /// Creates a clock showing `start` (default 2026-01-01T00:00:00Z).
    public init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) {
        state = Mutex(State(now: start))
    }

    /// The instant the clock shows.
    public func now() -> Date { state.withLock { $0.now } }

    /// Moves the clock forward (or back, with a negative duration), waking the sleepers whose
    /// deadline it passed.
    public func advance(by duration: Duration) {
        let seconds = Self.seconds(duration)
        resume { $0.now = $0.now.addingTimeInterval(seconds) }
    }

    /// Sets the clock to `date`, waking the sleepers whose deadline it passed.
    public func set(_ date: Date) {
        resume { $0.now = date }
    }

    // MARK: Sleeping

    /// This clock as a Swift `Clock`, for loops generic over the clock they sleep on.
    public var sleepClock: ManualSleepClock { ManualSleepClock(manual: self) }

    /// Suspends until the clock shows `deadline` or later (at once if it already does).
    func sleep(until deadline: Date) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (ready, watchers): (Bool, [CheckedContinuation<Void, Never>]) = state.withLock { state in
                    if Task.isCancelled {
                        continuation.resume(throwing: CancellationError())
                        return (false, [])
                    }
                    if deadline <= state.now { return (true, []) }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return (false, Self.satisfiedWatchers(&state))
                }
                for watcher in watchers { watcher.resume() }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let cancelled = state.withLock { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            cancelled?.continuation.resume(throwing: CancellationError())
        }
    }

    /// How many tasks are sleeping on the clock.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    /// Returns once at least `count` tasks are sleeping on the clock: after ``advance(by:)``
    /// woke a loop, this tells when it has done its step and gone back to sleep.
    public func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { state -> Bool in
                if state.sleepers.count >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func resume(_ change: (inout State) -> Void) {
        let due = state.withLock { state -> [Sleeper] in
            change(&state)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    private static func satisfiedWatchers(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        let count = state.sleepers.count
        let ready = state.watchers.filter { $0.count <= count }.map(\.continuation)
        state.watchers.removeAll { $0.count <= count }
        return ready
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// A ``ManualClock`` as a Swift `Clock`: `now` is the manual clock's date, and a sleep returns
/// when the test advances the manual clock past its deadline (or throws when cancelled).
public struct ManualSleepClock: Clock {
    /// An instant: the date the manual clock shows.
    public struct Instant: InstantProtocol {
        public let date: Date

        public func advanced(by duration: Duration) -> Instant {
            Instant(date: date.addingTimeInterval(ManualClock.seconds(duration)))
        }

        public func duration(to other: Instant) -> Duration {
            .nanoseconds(Int64((other.date.timeIntervalSince(date) * 1e9).rounded()))
        }

        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.date < rhs.date }
    }

    let manual: ManualClock

    public var now: Instant { Instant(date: manual.now()) }
    public var minimumResolution: Duration { .nanoseconds(1) }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await manual.sleep(until: deadline.date)
    }
}
