import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Whether a session is live, as authenticated requests see it: a very short-lived, bounded
/// cache in front of ``SessionStore/session(id:)``. With a TTL of one second a burst of
/// requests on one session reads the store once, while a session ended on another instance
/// (logout, revocation, a reset, reuse detection) stops its access tokens within that second;
/// one ended on this instance stops them at once (``forget(_:)``, ``forgetSessions(of:)``).
/// A TTL of zero reads the store every time.
final class SessionCache: Sendable {
    private struct Entry {
        let userID: UserID
        /// The session is active until this time (its expiry), as last read.
        let activeUntil: Date?
        let cachedUntil: Date
    }

    private let ttl: TimeInterval
    private let capacity: Int
    private let entries = Mutex<[SessionID: Entry]>([:])

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        self.capacity = capacity
    }

    /// `true` when session `id` of `userID` is active at `now`, `nil` when the cache does not know.
    func isLive(_ id: SessionID, userID: UserID, now: Date) -> Bool? {
        guard ttl > 0 else { return nil }
        return entries.withLock { entries -> Bool? in
            guard let entry = entries[id], entry.cachedUntil > now else { return nil }
            guard entry.userID == userID, let activeUntil = entry.activeUntil else { return false }
            return activeUntil > now
        }
    }

    /// Remembers what the store said of session `id` (`nil`: no such session).
    func store(_ id: SessionID, _ session: SessionRecord?, now: Date) {
        guard ttl > 0 else { return }
        let entry = Entry(
            userID: session?.userID ?? UserID(""),
            activeUntil: session.flatMap { $0.isActive(at: now) ? $0.expiresAt : nil },
            cachedUntil: now.addingTimeInterval(ttl))
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = entry
        }
    }

    /// Forgets session `id` (it was just ended on this instance).
    func forget(_ id: SessionID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }

    /// Forgets every session of `userID` (they were just ended on this instance).
    func forgetSessions(of userID: UserID) {
        entries.withLock { entries in entries = entries.filter { $0.value.userID != userID } }
    }
}
