import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A very short-lived, bounded cache of users for authenticated requests: with a TTL of one
/// second, a burst of requests from one user reads the store once, while a deactivation still
/// takes effect within that second on every instance. A TTL of zero turns it off.
final class UserCache: Sendable {
    private let ttl: TimeInterval
    private let capacity: Int
    private let entries = Mutex<[UserID: (user: UserAccount, until: Date)]>([:])

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        self.capacity = capacity
    }

    func user(_ id: UserID, now: Date) -> UserAccount? {
        guard ttl > 0 else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[id], entry.until > now else { return nil }
            return entry.user
        }
    }

    func store(_ user: UserAccount, now: Date) {
        guard ttl > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[user.id] = (user, now.addingTimeInterval(ttl))
        }
    }

    /// Drops `id`: this instance sees a change it made at once.
    func forget(_ id: UserID) {
        _ = entries.withLock { $0.removeValue(forKey: id) }
    }
}
