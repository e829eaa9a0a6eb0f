#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How an operator names one account: by id or by email.
public enum UserSelector: Sendable, Hashable, CustomStringConvertible {
    case id(UserID)
    /// An email address in any case (it is normalised before the lookup).
    case email(String)

    public var description: String {
        switch self {
        case .id(let id): "id \(id.rawValue)"
        case .email(let email): "email \(email)"
        }
    }
}

/// What an operator does to accounts, framework-free (the `fastauth users` commands call it):
/// list them a page at a time, look one up, deactivate it — which ends its sessions — or
/// activate it again, and mark its email verified.
public struct UserAdministration: Sendable {
    public let store: any AuthStore
    private let clock: any WallClock

    public init(store: any AuthStore, clock: any WallClock = SystemClock()) {
        self.store = store
        self.clock = clock
    }

    /// `limit` users after skipping `offset`, oldest first.
    public func list(limit: Int, offset: Int) async throws -> [UserAccount] {
        try await store.users(limit: max(0, limit), offset: max(0, offset))
    }

    /// The selected user; ``AuthError/Code/userNotFound`` when there is none.
    public func find(_ selector: UserSelector) async throws -> UserAccount {
        let user: UserAccount?
        switch selector {
        case .id(let id): user = try await store.user(id: id)
        case .email(let raw):
            let email = (try? EmailAddress.normalise(raw).get()) ?? raw.lowercased()
            user = try await store.credentials(email: email)?.account
        }
        guard let user else { throw AuthError(.userNotFound, "No user with \(selector)") }
        return user
    }

    /// Deactivates the user and ends every one of their sessions; returns the updated account
    /// and how many sessions ended. Their access tokens stop working within the user cache's TTL.
    public func deactivate(_ selector: UserSelector) async throws -> (user: UserAccount, endedSessions: Int) {
        let user = try await find(selector)
        let now = clock.now()
        try await store.setActive(false, userID: user.id, now: now)
        let ended = try await store.revokeAllSessions(userID: user.id, now: now)
        return (try await find(.id(user.id)), ended)
    }

    /// Lets a deactivated user sign in again.
    public func activate(_ selector: UserSelector) async throws -> UserAccount {
        let user = try await find(selector)
        try await store.setActive(true, userID: user.id, now: clock.now())
        return try await find(.id(user.id))
    }

    /// Marks the user's email address verified.
    public func verifyEmail(_ selector: UserSelector) async throws -> UserAccount {
        let user = try await find(selector)
        try await store.setEmailVerified(true, userID: user.id, now: clock.now())
        return try await find(.id(user.id))
    }
}
