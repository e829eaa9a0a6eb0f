import FastAuth
import Foundation
import Testing

/// The store contract for social sign-in: flows consumed once, only with their binding, and
/// provider links that are unique both ways and cannot all be removed.
extension StoreContract {
    static func flow(
        provider: String = "google", purpose: OAuthFlowPurpose = .signIn, userID: UserID? = nil, binding: String = "b1",
        createdAt: Date = Samples.t0, ttl: Int = 600
    ) -> OAuthFlowRecord {
        OAuthFlowRecord(
            stateHash: "s" + UUID().uuidString.lowercased(), bindingHash: binding, provider: provider, purpose: purpose,
            userID: userID, codeVerifier: String(repeating: "v", count: 43), nonce: provider == "github" ? nil : "n-1",
            redirectURI: "https://app.example.com/done", createdAt: createdAt,
            expiresAt: createdAt.addingTimeInterval(TimeInterval(ttl)))
    }

    static func link(
        _ user: UserAccount, _ provider: String = "google", id: String = UUID().uuidString, at: Date = Samples.t0
    )
        -> ProviderAccountRecord
    {
        ProviderAccountRecord(
            userID: user.id, provider: provider, providerAccountID: id, email: user.email, createdAt: at)
    }

    static let social: [Case] = [
        Case(name: "a flow is consumed once, only with its binding, provider and purpose, only before it expires") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let started = flow(purpose: .link, userID: user.id)
            try await store.createOAuthFlow(started)
            let hash = started.stateHash
            #expect(
                try await store.consumeOAuthFlow(
                    stateHash: hash, bindingHash: "other", provider: "google", purpose: .link, now: Samples.at(1))
                    == nil)
            #expect(
                try await store.consumeOAuthFlow(
                    stateHash: hash, bindingHash: "b1", provider: "github", purpose: .link, now: Samples.at(1)) == nil)
            #expect(
                try await store.consumeOAuthFlow(
                    stateHash: hash, bindingHash: "b1", provider: "google", purpose: .signIn, now: Samples.at(1)) == nil
            )
            let consumed = try #require(
                try await store.consumeOAuthFlow(
                    stateHash: hash, bindingHash: "b1", provider: "google", purpose: .link, now: Samples.at(2)))
            #expect(consumed == started)
            #expect(
                try await store.consumeOAuthFlow(
                    stateHash: hash, bindingHash: "b1", provider: "google", purpose: .link, now: Samples.at(3)) == nil)

            let expiring = flow(ttl: 60)
            try await store.createOAuthFlow(expiring)
            #expect(
                try await store.consumeOAuthFlow(
                    stateHash: expiring.stateHash, bindingHash: "b1", provider: "google", purpose: .signIn,
                    now: Samples.at(60)) == nil)
            #expect(try await store.deleteOAuthFlows(expiredBefore: Samples.at(61)) == 1)
        },
        Case(name: "20 concurrent consumptions of one flow: exactly one gets it") { store async throws in
            let started = flow(provider: "github")
            try await store.createOAuthFlow(started)
            let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        try await store.consumeOAuthFlow(
                            stateHash: started.stateHash, bindingHash: "b1", provider: "github", purpose: .signIn,
                            now: Samples.at(1)) != nil
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(winners == 1)
        },
        Case(name: "provider links: unique per provider account and per user and provider, listed oldest first") {
            store async throws in
            let user = try await store.createUser(Samples.user())
            let other = try await store.createUser(Samples.user())
            let google = link(user, "google", id: "g-1", at: Samples.at(1))
            try await store.linkProviderAccount(google)
            try await store.linkProviderAccount(link(user, "github", id: "42", at: Samples.at(2)))
            #expect(try await store.providerAccount(provider: "google", providerAccountID: "g-1") == google)
            #expect(try await store.providerAccount(provider: "github", providerAccountID: "g-1") == nil)
            await #expect(throws: StoreError.self) {
                try await store.linkProviderAccount(link(other, "google", id: "g-1"))
            }
            await #expect(throws: StoreError.self) {
                try await store.linkProviderAccount(link(user, "google", id: "g-2"))
            }
            #expect(try await store.providerAccounts(userID: user.id).map(\.provider) == ["google", "github"])
            #expect(try await store.providerAccounts(userID: other.id).isEmpty)
        },
        Case(name: "a user created with a provider link: both rows or neither") { store async throws in
            let account = UserAccount(
                id: .generate(), email: Samples.email(), emailVerified: true, createdAt: Samples.t0)
            let created = try await store.createUser(
                StoredUser(account: account, passwordHash: nil), linking: link(account, "google", id: "sub-1"))
            #expect(created == account)
            #expect(try await store.credentials(email: account.email)?.passwordHash == nil)
            #expect(
                try await store.providerAccount(provider: "google", providerAccountID: "sub-1")?.userID == account.id)

            // The provider account is taken: no user is left behind.
            let second = UserAccount(
                id: .generate(), email: Samples.email(), emailVerified: true, createdAt: Samples.t0)
            await #expect(throws: StoreError.self) {
                try await store.createUser(
                    StoredUser(account: second, passwordHash: nil), linking: link(second, "google", id: "sub-1"))
            }
            #expect(try await store.user(id: second.id) == nil)
            // The email is taken: no link is left behind.
            let third = UserAccount(id: .generate(), email: account.email, emailVerified: true, createdAt: Samples.t0)
            do {
                _ = try await store.createUser(
                    StoredUser(account: third, passwordHash: nil), linking: link(third, "github", id: "7"))
                Issue.record("a duplicate email was accepted")
            } catch let error as StoreError {
                #expect(error.code == .duplicateEmail)
            }
            #expect(try await store.providerAccount(provider: "github", providerAccountID: "7") == nil)
        },
        Case(name: "unlinking refuses the last way to sign in, even under 10 concurrent unlinks") {
            store async throws in
            let account = UserAccount(
                id: .generate(), email: Samples.email(), emailVerified: true, createdAt: Samples.t0)
            _ = try await store.createUser(
                StoredUser(account: account, passwordHash: nil), linking: link(account, "google"))
            try await store.linkProviderAccount(link(account, "github"))
            #expect(try await store.unlinkProviderAccount(userID: account.id, provider: "gitlab") == .notLinked)
            let outcomes = try await withThrowingTaskGroup(of: UnlinkOutcome.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        try await store.unlinkProviderAccount(
                            userID: account.id, provider: index.isMultiple(of: 2) ? "google" : "github")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .unlinked }.count == 1, "\(outcomes)")
            #expect(try await store.providerAccounts(userID: account.id).count == 1)
            let last = try #require(try await store.providerAccounts(userID: account.id).first)
            #expect(
                try await store.unlinkProviderAccount(userID: account.id, provider: last.provider) == .lastSignInMethod)

            // With a password, the last link can go.
            let withPassword = try await store.createUser(Samples.user())
            try await store.linkProviderAccount(link(withPassword, "google"))
            #expect(try await store.unlinkProviderAccount(userID: withPassword.id, provider: "google") == .unlinked)
            #expect(try await store.providerAccounts(userID: withPassword.id).isEmpty)
        },
        Case(name: "deleting a user deletes their links and flows") { store async throws in
            let user = try await store.createUser(Samples.user())
            try await store.linkProviderAccount(link(user, "google", id: "gone-1"))
            let started = flow(purpose: .link, userID: user.id)
            try await store.createOAuthFlow(started)
            #expect(try await store.deleteUser(user.id))
            #expect(try await store.providerAccount(provider: "google", providerAccountID: "gone-1") == nil)
            #expect(
                try await store.consumeOAuthFlow(
                    stateHash: started.stateHash, bindingHash: "b1", provider: "google", purpose: .link,
                    now: Samples.at(1)) == nil)
        },
    ]
}
