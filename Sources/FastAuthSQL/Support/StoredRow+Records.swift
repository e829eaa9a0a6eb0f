import FastAuth

/// Column lists and row mappings of the `fastauth_` tables, kept side by side so they agree.
enum Columns {
    static let user =
        "id, email, name, image, password_hash, email_verified, is_active, created_at, updated_at, deleted_at"
    static let session =
        "id, user_id, created_at, last_used_at, expires_at, revoked_at, remember, user_agent, ip_address, "
        + "current_token_id, previous_token_id, rotated_at"
}

extension StoredRow {
    /// A `fastauth_users` row selected with ``Columns/user``.
    func storedUser() throws(StoreError) -> StoredUser {
        let account = UserAccount(
            id: UserID(try string("id")), email: try string("email"), name: try optionalString("name"),
            image: try optionalString("image"), emailVerified: try bool("email_verified"),
            isActive: try bool("is_active"), createdAt: try date("created_at"), updatedAt: try date("updated_at"),
            deletedAt: try optionalDate("deleted_at"))
        return StoredUser(account: account, passwordHash: try optionalString("password_hash"))
    }

    /// A `fastauth_sessions` row selected with ``Columns/session``.
    func session() throws(StoreError) -> SessionRecord {
        SessionRecord(
            id: SessionID(try string("id")), userID: UserID(try string("user_id")), createdAt: try date("created_at"),
            lastUsedAt: try date("last_used_at"), expiresAt: try date("expires_at"),
            revokedAt: try optionalDate("revoked_at"), remember: try bool("remember"),
            userAgent: try optionalString("user_agent"), ipAddress: try optionalString("ip_address"),
            currentTokenID: try optionalString("current_token_id").map { TokenID($0) },
            previousTokenID: try optionalString("previous_token_id").map { TokenID($0) },
            rotatedAt: try optionalDate("rotated_at"))
    }
}
