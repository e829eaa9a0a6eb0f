import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A very short-lived, bounded cache of each user's roles and permissions, like the user cache:
/// a burst of guarded requests reads the store once, and a grant or revocation made on another
/// instance (or from the CLI) takes effect here within the TTL. A TTL of zero turns it off.
final class RoleCache: Sendable {
    private let ttl: TimeInterval
    private let capacity: Int
    private let entries = Mutex<[UserID: (grants: RoleGrants, until: Date)]>([:])

    init(ttl: Duration, capacity: Int = 10_000) {
        self.ttl = Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18
        self.capacity = capacity
    }

    func grants(_ id: UserID, now: Date) -> RoleGrants? {
        guard ttl > 0 else { return nil }
        return entries.withLock { entries in
            guard let entry = entries[id], entry.until > now else { return nil }
            return entry.grants
        }
    }

    func store(_ grants: RoleGrants, for id: UserID, now: Date) {
        guard ttl > 0 else { return }
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[id] = (grants, now.addingTimeInterval(ttl))
        }
    }

    /// Forgets everything: after a change made through this instance, which may touch many users.
    func removeAll() {
        entries.withLock { $0.removeAll(keepingCapacity: true) }
    }
}
