public import FastAuth

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An in-memory ``AuthStore`` for unit tests of the core. Not for production: nothing
/// survives the process, and nothing is shared between instances.
public actor InMemoryStore: AuthStore {
    private var users: [UserID: StoredUser] = [:]
    private var usersByEmail: [String: UserID] = [:]
    private var sessions: [SessionID: SessionRecord] = [:]
    private var counters: [String: (windowStart: Date, count: Int, expiresAt: Date)] = [:]
    private var locks: [String: Date] = [:]
    private var roleTable: [String: RoleRecord] = [:]
    private var assignments: [UserID: Set<String>] = [:]
    private var attempts: [String: (key: String, at: Date, expiresAt: Date)] = [:]
    private var oneTimeTokens: [String: OneTimeTokenRecord] = [:]
    private var outbox: [String: OutboxEmail] = [:]
    private var oauthFlows: [String: OAuthFlowRecord] = [:]
    private var providerLinks: [ProviderAccountRecord] = []
    /// The managed signing keys' store paired with this one (``InMemorySigningKeyStore``), if any.
    public nonisolated let signingKeyStore: (any SigningKeyStore)?

    /// A store without managed signing keys, or paired with `signingKeys`.
    public init(signingKeys: (any SigningKeyStore)? = nil) {
        self.signingKeyStore = signingKeys
    }

    // MARK: UserStore

    public func createUser(_ user: StoredUser) throws -> UserAccount {
        guard usersByEmail[user.account.email] == nil else {
            throw StoreError(.duplicateEmail, "a user with this email already exists")
        }
        guard users[user.account.id] == nil else {
            throw StoreError(.duplicateID, "a user with this id already exists")
        }
        users[user.account.id] = user
        usersByEmail[user.account.email] = user.account.id
        return user.account
    }

    public func user(id: UserID) -> UserAccount? { users[id]?.account }

    public func credentials(email: String) -> StoredUser? { usersByEmail[email].flatMap { users[$0] } }

    public func emailExists(_ email: String) -> Bool { usersByEmail[email] != nil }

    public func updatePasswordHash(_ hash: String, userID: UserID, now: Date) {
        users[userID]?.passwordHash = hash
        users[userID]?.account.updatedAt = now
    }

    public func setActive(_ isActive: Bool, userID: UserID, now: Date) {
        users[userID]?.account.isActive = isActive
        users[userID]?.account.updatedAt = now
    }

    public func setEmailVerified(_ isVerified: Bool, userID: UserID, now: Date) {
        users[userID]?.account.emailVerified = isVerified
        users[userID]?.account.updatedAt = now
    }

    public func users(limit: Int, offset: Int) -> [UserAccount] {
        let sorted = users.values.map(\.account).sorted {
            ($0.createdAt, $0.id.rawValue) < ($1.createdAt, $1.id.rawValue)
        }
        return Array(sorted.dropFirst(max(0, offset)).prefix(max(0, limit)))
    }

    public func deleteUser(_ id: UserID) -> Bool {
        guard let user = users.removeValue(forKey: id) else { return false }
        usersByEmail[user.account.email] = nil
        sessions = sessions.filter { $0.value.userID != id }
        assignments[id] = nil
        oneTimeTokens = oneTimeTokens.filter { $0.value.userID != id }
        oauthFlows = oauthFlows.filter { $0.value.userID != id }
        providerLinks.removeAll { $0.userID == id }
        return true
    }

    public func updateProfile(_ id: UserID, name: String?, image: String?, now: Date) -> UserAccount? {
        guard var user = users[id] else { return nil }
        if let name { user.account.name = name }
        if let image { user.account.image = image }
        user.account.updatedAt = now
        users[id] = user
        return user.account
    }

    public func changeEmail(_ id: UserID, to email: String, now: Date) throws {
        guard var user = users[id] else { return }
        if let other = usersByEmail[email], other != id {
            throw StoreError(.duplicateEmail, "a user with this email already exists")
        }
        usersByEmail[user.account.email] = nil
        usersByEmail[email] = id
        user.account.email = email
        user.account.emailVerified = true
        user.account.updatedAt = now
        users[id] = user
    }

    public func markDeleted(_ id: UserID, now: Date) {
        users[id]?.account.deletedAt = now
        users[id]?.account.isActive = false
        users[id]?.account.updatedAt = now
    }

    public func deleteUsers(deletedBefore cutoff: Date) -> Int {
        let purged = users.values.filter { $0.account.deletedAt.map { $0 < cutoff } ?? false }.map(\.account.id)
        for id in purged { _ = deleteUser(id) }
        return purged.count
    }

    // MARK: SessionStore

    public func createSession(_ session: SessionRecord) throws {
        guard sessions[session.id] == nil else {
            throw StoreError(.duplicateID, "a session with this id already exists")
        }
        sessions[session.id] = session
    }

    public func session(id: SessionID) -> SessionRecord? { sessions[id] }

    public func activeSessions(userID: UserID, now: Date) -> [SessionRecord] {
        sessions.values.filter { $0.userID == userID && $0.isActive(at: now) }.sorted { $0.createdAt > $1.createdAt }
    }

    public func rotateRefreshToken(
        sessionID: SessionID, presented: TokenID, next: TokenID, expiresAt: Date, now: Date
    ) -> RefreshRotation {
        guard let session = sessions[sessionID] else { return .notFound }
        guard session.isActive(at: now) else { return .sessionInactive(session) }
        guard session.currentTokenID == presented else { return .superseded(session) }
        let rotated = session.rotated(to: next, expiresAt: expiresAt, now: now)
        sessions[sessionID] = rotated
        return .rotated(rotated)
    }

    public func revokeSession(_ id: SessionID, userID: UserID, now: Date) -> Bool {
        guard let session = sessions[id], session.userID == userID, session.isActive(at: now) else { return false }
        sessions[id]?.revokedAt = now
        return true
    }

    public func revokeAllSessions(userID: UserID, now: Date) -> Int {
        let ids = sessions.values.filter { $0.userID == userID && $0.isActive(at: now) }.map(\.id)
        for id in ids { sessions[id]?.revokedAt = now }
        return ids.count
    }

    public func revokeOtherSessions(userID: UserID, keeping: SessionID, now: Date) -> [SessionID] {
        let ids = sessions.values.filter { $0.userID == userID && $0.id != keeping && $0.isActive(at: now) }.map(\.id)
        for id in ids { sessions[id]?.revokedAt = now }
        return ids
    }

    public func revokeLeastRecentlyUsedSessions(userID: UserID, keeping: Int, now: Date) -> [SessionID] {
        let active = sessions.values.filter { $0.userID == userID && $0.isActive(at: now) }
            .sorted { ($0.lastUsedAt, $0.createdAt, $0.id.rawValue) > ($1.lastUsedAt, $1.createdAt, $1.id.rawValue) }
        let ended = active.dropFirst(max(keeping, 0)).map(\.id)
        for id in ended { sessions[id]?.revokedAt = now }
        return ended
    }

    public func deleteSessions(endedBefore cutoff: Date) -> Int {
        let ended = sessions.values.filter { ($0.revokedAt.map { $0 < cutoff } ?? false) || $0.expiresAt < cutoff }.map(
            \.id)
        for id in ended { sessions[id] = nil }
        return ended.count
    }

    // MARK: RoleStore

    public func createRole(_ name: String, permissions: [String], now: Date) -> Bool {
        guard roleTable[name] == nil else { return false }
        roleTable[name] = RoleRecord(name: name, permissions: permissions, createdAt: now)
        return true
    }

    public func role(named name: String) -> RoleRecord? { roleTable[name] }

    public func roles() -> [RoleRecord] { roleTable.values.sorted { $0.name < $1.name } }

    public func deleteRole(_ name: String) -> Bool {
        guard roleTable.removeValue(forKey: name) != nil else { return false }
        for id in assignments.keys { assignments[id]?.remove(name) }
        return true
    }

    public func addPermissions(_ permissions: [String], toRole name: String) -> Bool {
        guard let role = roleTable[name] else { return false }
        roleTable[name] = RoleRecord(name: name, permissions: role.permissions + permissions, createdAt: role.createdAt)
        return true
    }

    public func removePermissions(_ permissions: [String], fromRole name: String) -> Bool {
        guard let role = roleTable[name] else { return false }
        let removed = Set(permissions)
        roleTable[name] = RoleRecord(
            name: name, permissions: role.permissions.filter { !removed.contains($0) }, createdAt: role.createdAt)
        return true
    }

    public func grantRole(_ name: String, to userID: UserID, now: Date) -> Bool {
        guard users[userID] != nil, roleTable[name] != nil else { return false }
        return assignments[userID, default: []].insert(name).inserted
    }

    public func revokeRole(_ name: String, from userID: UserID) -> Bool {
        assignments[userID]?.remove(name) != nil
    }

    public func grants(of userID: UserID) -> RoleGrants {
        let held = assignments[userID] ?? []
        return RoleGrants(roles: Array(held), permissions: held.flatMap { roleTable[$0]?.permissions ?? [] })
    }

    // MARK: RateLimitStore

    public func hit(_ key: String, windowStart: Date, expiresAt: Date) -> Int {
        if let current = counters[key], current.windowStart == windowStart {
            counters[key] = (windowStart, current.count + 1, expiresAt)
            return current.count + 1
        }
        counters[key] = (windowStart, 1, expiresAt)
        return 1
    }

    public func count(_ key: String, windowStart: Date) -> Int {
        guard let current = counters[key], current.windowStart == windowStart else { return 0 }
        return current.count
    }

    public func reset(_ key: String) { counters[key] = nil }

    public func lock(_ key: String, until: Date) { locks[key] = until }

    public func lockedUntil(_ key: String, now: Date) -> Date? {
        guard let until = locks[key], until > now else { return nil }
        return until
    }

    public func recordAttempt(
        _ key: String, id: String, at now: Date, expiresAt: Date, since: Date, limit: Int
    ) -> [Date] {
        attempts[id] = (key, now, expiresAt)
        let times = attempts.values.filter { $0.key == key && $0.at > since }.map(\.at).sorted(by: >)
        return Array(times.prefix(max(limit, 1)))
    }

    public func removeAttempt(id: String) { attempts[id] = nil }

    public func clearAttempts(_ key: String) { attempts = attempts.filter { $0.value.key != key } }

    public func clearAttempts(keyPrefix: String) { attempts = attempts.filter { !$0.value.key.hasPrefix(keyPrefix) } }

    public func purgeExpired(now: Date) {
        counters = counters.filter { $0.value.expiresAt > now }
        locks = locks.filter { $0.value > now }
        attempts = attempts.filter { $0.value.expiresAt > now }
    }

    // MARK: OneTimeTokenStore

    public func issueOneTimeToken(_ token: OneTimeTokenRecord, message: OutboxEmail) throws {
        guard users[token.userID] != nil else {
            throw StoreError(.unavailable, "could not issue a one-time token: the user does not exist")
        }
        guard oneTimeTokens[token.hash] == nil, outbox[message.id] == nil else {
            throw StoreError(.duplicateID, "a one-time token or message with this id already exists")
        }
        deleteOneTimeTokens(userID: token.userID, purpose: token.purpose)
        oneTimeTokens[token.hash] = token
        outbox[message.id] = message
    }

    public func consumeOneTimeToken(hash: String, purpose: OneTimeTokenPurpose, now: Date) -> OneTimeTokenRecord? {
        guard var token = oneTimeToken(hash: hash, purpose: purpose, now: now) else { return nil }
        token.consumedAt = now
        oneTimeTokens[hash] = token
        return token
    }

    public func oneTimeToken(hash: String, purpose: OneTimeTokenPurpose, now: Date) -> OneTimeTokenRecord? {
        guard let token = oneTimeTokens[hash], token.purpose == purpose, token.consumedAt == nil, token.expiresAt > now
        else { return nil }
        return token
    }

    public func deleteOneTimeTokens(userID: UserID, purpose: OneTimeTokenPurpose) {
        oneTimeTokens = oneTimeTokens.filter {
            !($0.value.userID == userID && $0.value.purpose == purpose && $0.value.consumedAt == nil)
        }
    }

    public func deleteOneTimeTokens(endedBefore cutoff: Date) -> Int {
        let ended = oneTimeTokens.values.filter {
            $0.expiresAt < cutoff || ($0.consumedAt.map { $0 < cutoff } ?? false)
        }
        for token in ended { oneTimeTokens[token.hash] = nil }
        return ended.count
    }

    // MARK: EmailOutboxStore

    public func enqueueEmail(_ message: OutboxEmail) throws {
        guard outbox[message.id] == nil else { throw StoreError(.duplicateID, "a message with this id already exists") }
        outbox[message.id] = message
    }

    public func claimEmails(now: Date, leaseUntil: Date, limit: Int) -> [OutboxEmail] {
        let due = outbox.values.filter {
            $0.state == .pending && $0.nextAttemptAt <= now && ($0.claimedUntil.map { $0 <= now } ?? true)
        }
        .sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
        .prefix(max(0, limit))
        return due.map { message in
            var claimed = message
            claimed.claimedUntil = leaseUntil
            claimed.attempts += 1
            outbox[message.id] = claimed
            return claimed
        }
    }

    public func completeEmail(id: String, outcome: OutboxOutcome, now: Date) {
        guard var message = outbox[id] else { return }
        message.claimedUntil = nil
        switch outcome {
        case .sent:
            message.state = .sent
            message.sealedBody = nil
            message.finishedAt = now
        case .retry(let at, let error):
            message.nextAttemptAt = at
            message.lastError = error
        case .failed(let error):
            message.state = .failed
            message.sealedBody = nil
            message.lastError = error
            message.finishedAt = now
        }
        outbox[id] = message
    }

    public func outboxEmail(id: String) -> OutboxEmail? { outbox[id] }

    public func deleteEmails(finishedBefore cutoff: Date) -> Int {
        let finished = outbox.values.filter { $0.finishedAt.map { $0 < cutoff } ?? false }
        for message in finished { outbox[message.id] = nil }
        return finished.count
    }
}

/// An in-memory ``SigningKeyStore`` for unit tests of key rotation.
public actor InMemorySigningKeyStore: SigningKeyStore {
    private var keys: [KeyID: StoredSigningKey] = [:]

    public init() {}

    public func signingKeys() -> [StoredSigningKey] { keys.values.sorted { $0.createdAt < $1.createdAt } }

    public func insertSigningKey(_ key: StoredSigningKey) -> Bool {
        guard keys[key.id] == nil else { return false }
        if key.state != .retired, keys.values.contains(where: { $0.state == key.state }) { return false }
        keys[key.id] = key
        return true
    }

    public func promoteSigningKey(next: KeyID, current: KeyID?, now: Date) -> Bool {
        guard keys[next]?.state == .next else { return false }
        if let current {
            guard keys[current]?.state == .current else { return false }
            keys[current]?.state = .retired
            keys[current]?.retiredAt = now
        } else if keys.values.contains(where: { $0.state == .current }) {
            return false
        }
        keys[next]?.state = .current
        keys[next]?.activatedAt = now
        return true
    }

    public func retireSigningKey(_ id: KeyID, from: KeyState, now: Date) -> Bool {
        guard keys[id]?.state == from else { return false }
        keys[id]?.state = .retired
        keys[id]?.retiredAt = now
        return true
    }

    public func deleteRetiredSigningKey(_ id: KeyID) -> Bool {
        guard keys[id]?.state == .retired else { return false }
        keys[id] = nil
        return true
    }

    public func resealSigningKey(_ id: KeyID, sealedPrivateKey: [UInt8]) {
        keys[id]?.sealedPrivateKey = sealedPrivateKey
    }
}

// MARK: SocialAccountStore

extension InMemoryStore {
    public func createOAuthFlow(_ flow: OAuthFlowRecord) throws {
        guard oauthFlows[flow.stateHash] == nil else { throw StoreError(.duplicateID, "a flow with this state exists") }
        oauthFlows[flow.stateHash] = flow
    }

    public func consumeOAuthFlow(
        stateHash: String, bindingHash: String, provider: String, purpose: OAuthFlowPurpose, now: Date
    ) -> OAuthFlowRecord? {
        guard let flow = oauthFlows[stateHash], flow.bindingHash == bindingHash, flow.provider == provider,
            flow.purpose == purpose, flow.expiresAt > now
        else { return nil }
        oauthFlows[stateHash] = nil
        return flow
    }

    public func deleteOAuthFlows(expiredBefore cutoff: Date) -> Int {
        let expired = oauthFlows.values.filter { $0.expiresAt < cutoff }.map(\.stateHash)
        for hash in expired { oauthFlows[hash] = nil }
        return expired.count
    }

    public func providerAccount(provider: String, providerAccountID: String) -> ProviderAccountRecord? {
        providerLinks.first { $0.provider == provider && $0.providerAccountID == providerAccountID }
    }

    public func providerAccounts(userID: UserID) -> [ProviderAccountRecord] {
        providerLinks.filter { $0.userID == userID }.sorted {
            ($0.createdAt, $0.provider) < ($1.createdAt, $1.provider)
        }
    }

    public func linkProviderAccount(_ account: ProviderAccountRecord) throws {
        guard users[account.userID] != nil else {
            throw StoreError(.unavailable, "no user with this id (the SQL stores refuse it by a foreign key)")
        }
        guard
            !providerLinks.contains(where: {
                ($0.provider == account.provider && $0.providerAccountID == account.providerAccountID)
                    || ($0.userID == account.userID && $0.provider == account.provider)
            })
        else { throw StoreError(.duplicateID, "the provider account or the user's account of this provider is linked") }
        providerLinks.append(account)
    }

    public func createUser(_ user: StoredUser, linking account: ProviderAccountRecord) throws -> UserAccount {
        guard account.userID == user.account.id else { throw StoreError(.unavailable, "the link is for another user") }
        guard providerAccount(provider: account.provider, providerAccountID: account.providerAccountID) == nil else {
            throw StoreError(.duplicateID, "the provider account is linked")
        }
        let created = try createUser(user)
        providerLinks.append(account)
        return created
    }

    public func unlinkProviderAccount(userID: UserID, provider: String) -> UnlinkOutcome {
        guard let index = providerLinks.firstIndex(where: { $0.userID == userID && $0.provider == provider }) else {
            return .notLinked
        }
        let hasPassword = users[userID]?.passwordHash != nil
        let others = providerLinks.contains { $0.userID == userID && $0.provider != provider }
        guard hasPassword || others else { return .lastSignInMethod }
        providerLinks.remove(at: index)
        return .unlinked
    }
}
