import FastAuth
import Foundation
import SQLKit

/// Records for store tests: fresh ids and emails each call (so runs against a shared PostgreSQL
/// database never collide), whole-second times (stored exactly as Unix milliseconds).
enum Samples {
    static let t0 = Date(timeIntervalSince1970: 1_767_225_600)

    static func at(_ seconds: Int) -> Date { t0.addingTimeInterval(TimeInterval(seconds)) }

    static func email() -> String { "user-\(UUID().uuidString.lowercased())@example.com" }

    static func user(
        email: String = email(), name: String? = "Ada Lovelace", image: String? = nil, emailVerified: Bool = false,
        isActive: Bool = true, hash: String = "$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA", createdAt: Date = t0
    ) -> StoredUser {
        StoredUser(
            account: UserAccount(
                id: .generate(), email: email, name: name, image: image, emailVerified: emailVerified,
                isActive: isActive, createdAt: createdAt),
            passwordHash: hash)
    }

    /// Inserts a user with the columns of schema version 1 (what every release so far wrote),
    /// for upgrade tests on databases created at an older version.
    @discardableResult
    static func insertLegacyUser(
        into sql: any SQLDatabase, email: String = email(), name: String? = "Ada Lovelace",
        hash: String = "$scrypt$ln=17,r=8,p=1$c2FsdA$aGFzaA", emailVerified: Bool = false, createdAt: Date = t0
    ) async throws -> UserAccount {
        let account = UserAccount(
            id: .generate(), email: email, name: name, emailVerified: emailVerified, createdAt: createdAt)
        let milliseconds = Int64((createdAt.timeIntervalSince1970 * 1000).rounded())
        try await sql.raw(
            """
            INSERT INTO fastauth_users (id, email, name, image, password_hash, email_verified, is_active, created_at, updated_at)
            VALUES (\(bind: account.id.rawValue), \(bind: email), \(bind: name), \(bind: String?.none), \(bind: hash), \
            \(bind: emailVerified), \(bind: true), \(bind: milliseconds), \(bind: milliseconds))
            """
        ).run()
        return account
    }

    static func session(
        userID: UserID, createdAt: Date = t0, expiresAt: Date = at(3600), revokedAt: Date? = nil,
        remember: Bool = false, userAgent: String? = "TestAgent/1.0", ipAddress: String? = "203.0.113.7"
    ) -> SessionRecord {
        SessionRecord(
            id: .generate(), userID: userID, createdAt: createdAt, expiresAt: expiresAt, revokedAt: revokedAt,
            remember: remember, userAgent: userAgent, ipAddress: ipAddress, currentTokenID: .generate())
    }

    static func key(_ purpose: String) -> String { "\(purpose):\(UUID().uuidString.lowercased())" }

    /// A managed signing key with a fresh id, a stand-in public JWK and random "sealed" bytes.
    static func signingKey(
        _ state: KeyState, createdAt: Date = t0, activatedAt: Date? = nil, retiredAt: Date? = nil,
        sealedPrivateKey: [UInt8] = (0..<60).map { _ in UInt8.random(in: 0...255) }
    ) -> StoredSigningKey {
        let id = KeyID("kid-\(UUID().uuidString.lowercased())")
        return StoredSigningKey(
            id: id, algorithm: .es256, state: state, createdAt: createdAt,
            activatedAt: activatedAt ?? (state == .current ? createdAt : nil),
            retiredAt: retiredAt ?? (state == .retired ? createdAt : nil),
            publicJWK: #"{"alg":"ES256","crv":"P-256","kid":"\#(id.rawValue)","kty":"EC","use":"sig"}"#,
            sealedPrivateKey: sealedPrivateKey)
    }
}
