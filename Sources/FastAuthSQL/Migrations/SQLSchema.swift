/// FastAuthSQL's schema as a list of migrations. Append new versions; never edit an applied one.
///
/// The same SQL runs on SQLite and PostgreSQL: TEXT ids, BIGINT Unix-millisecond times, BOOLEAN
/// flags (stored as 0/1 by SQLite), and UNIQUE/FOREIGN KEY constraints the database enforces.
/// Only binary columns differ (BLOB on SQLite, BYTEA on PostgreSQL; see ``SQLSchemaStatement``).
enum SQLSchema {
    /// The table that records applied migrations.
    static let migrationsTable = """
        CREATE TABLE IF NOT EXISTS fastauth_migrations (
            version BIGINT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            applied_at BIGINT NOT NULL
        )
        """

    /// The key of the PostgreSQL advisory lock that serialises migrations ("fastauth" in ASCII).
    static let postgresMigrationLock: Int64 = 0x6661_7374_6175_7468

    /// Every migration, oldest first.
    static let migrations: [SQLSchemaMigration] = [
        SQLSchemaMigration(
            version: 1, name: "create users, sessions, refresh tokens, counters and locks",
            statements: [
                """
                CREATE TABLE fastauth_users (
                    id TEXT PRIMARY KEY NOT NULL,
                    email TEXT NOT NULL UNIQUE,
                    name TEXT,
                    image TEXT,
                    password_hash TEXT NOT NULL,
                    email_verified BOOLEAN NOT NULL DEFAULT FALSE,
                    is_active BOOLEAN NOT NULL DEFAULT TRUE,
                    created_at BIGINT NOT NULL,
                    updated_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE fastauth_sessions (
                    id TEXT PRIMARY KEY NOT NULL,
                    user_id TEXT NOT NULL REFERENCES fastauth_users (id) ON DELETE CASCADE,
                    created_at BIGINT NOT NULL,
                    last_used_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    revoked_at BIGINT,
                    remember BOOLEAN NOT NULL DEFAULT FALSE,
                    user_agent TEXT,
                    ip_address TEXT
                )
                """,
                "CREATE INDEX fastauth_sessions_user_id ON fastauth_sessions (user_id)",
                """
                CREATE TABLE fastauth_refresh_tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    session_id TEXT NOT NULL REFERENCES fastauth_sessions (id) ON DELETE CASCADE,
                    user_id TEXT NOT NULL,
                    issued_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    consumed_at BIGINT,
                    replaced_by TEXT
                )
                """,
                "CREATE INDEX fastauth_refresh_tokens_session_id ON fastauth_refresh_tokens (session_id)",
                """
                CREATE TABLE fastauth_counters (
                    "key" TEXT PRIMARY KEY NOT NULL,
                    window_start BIGINT NOT NULL,
                    "count" BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX fastauth_counters_expires_at ON fastauth_counters (expires_at)",
                """
                CREATE TABLE fastauth_locks (
                    "key" TEXT PRIMARY KEY NOT NULL,
                    locked_until BIGINT NOT NULL
                )
                """,
            ]),
        SQLSchemaMigration(
            version: 2, name: "create signing keys (at most one next and one current)",
            statements: [
                .perEngine(
                    sqlite: signingKeysTable(binaryType: "BLOB"), postgresql: signingKeysTable(binaryType: "BYTEA")),
                // The database itself keeps at most one `next` and one `current` key: an insert or
                // promotion that would make a second one is refused by this index.
                """
                CREATE UNIQUE INDEX fastauth_signing_keys_one_per_state ON fastauth_signing_keys (state)
                WHERE state IN ('next', 'current')
                """,
            ]),
        // A session keeps its live refresh token and the one that token replaced, so an exchange
        // is one compare-and-set UPDATE instead of a transaction over a growing token table.
        // Existing sessions carry over their live token and their last exchanged one.
        SQLSchemaMigration(
            version: 3, name: "keep each session's refresh-token chain in the session row",
            statements: [
                "ALTER TABLE fastauth_sessions ADD COLUMN current_token_id TEXT",
                "ALTER TABLE fastauth_sessions ADD COLUMN previous_token_id TEXT",
                "ALTER TABLE fastauth_sessions ADD COLUMN rotated_at BIGINT",
                """
                UPDATE fastauth_sessions SET
                current_token_id = (
                    SELECT t.id FROM fastauth_refresh_tokens t
                    WHERE t.session_id = fastauth_sessions.id AND t.consumed_at IS NULL
                    ORDER BY t.issued_at DESC, t.id DESC LIMIT 1),
                previous_token_id = (
                    SELECT t.id FROM fastauth_refresh_tokens t
                    WHERE t.session_id = fastauth_sessions.id AND t.consumed_at IS NOT NULL
                    ORDER BY t.consumed_at DESC, t.id DESC LIMIT 1),
                rotated_at = (
                    SELECT MAX(t.consumed_at) FROM fastauth_refresh_tokens t
                    WHERE t.session_id = fastauth_sessions.id)
                """,
                "DROP TABLE fastauth_refresh_tokens",
            ]),
        // Login attempts, one row each, so a lockout counts failures over the trailing lockout
        // period instead of in fixed clock windows.
        SQLSchemaMigration(
            version: 4, name: "record login attempts for the sliding lockout",
            statements: [
                """
                CREATE TABLE fastauth_login_attempts (
                    id TEXT PRIMARY KEY NOT NULL,
                    "key" TEXT NOT NULL,
                    attempted_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                #"CREATE INDEX fastauth_login_attempts_key ON fastauth_login_attempts ("key", attempted_at)"#,
                "CREATE INDEX fastauth_login_attempts_expiry ON fastauth_login_attempts (expires_at)",
            ]),
        // Roles are named by their name; deleting a role or a user deletes its permissions and
        // assignments (ON DELETE CASCADE), and a repeated grant is a no-op (the primary keys).
        SQLSchemaMigration(
            version: 5, name: "create roles, role permissions and user roles",
            statements: [
                """
                CREATE TABLE fastauth_roles (
                    name TEXT PRIMARY KEY NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                """
                CREATE TABLE fastauth_role_permissions (
                    role_name TEXT NOT NULL REFERENCES fastauth_roles (name) ON DELETE CASCADE,
                    permission TEXT NOT NULL,
                    PRIMARY KEY (role_name, permission)
                )
                """,
                """
                CREATE TABLE fastauth_user_roles (
                    user_id TEXT NOT NULL REFERENCES fastauth_users (id) ON DELETE CASCADE,
                    role_name TEXT NOT NULL REFERENCES fastauth_roles (name) ON DELETE CASCADE,
                    granted_at BIGINT NOT NULL,
                    PRIMARY KEY (user_id, role_name)
                )
                """,
                "CREATE INDEX fastauth_user_roles_role_name ON fastauth_user_roles (role_name)",
                "CREATE INDEX fastauth_users_created_at ON fastauth_users (created_at, id)",
            ]),
        // Accounts without a password (social sign-in), soft-deleted accounts, one-time tokens
        // and the email outbox. SQLite cannot drop NOT NULL in place: the users table is rebuilt
        // (foreign keys are off during migrations and checked before the commit, so the
        // sessions and role assignments that refer to users keep every row).
        SQLSchemaMigration(
            version: 6, name: "allow users without a password, soft deletion, one-time tokens and the email outbox",
            statements: [
                .only(.sqlite, usersTable(name: "fastauth_users_v6")),
                .only(
                    .sqlite,
                    """
                    INSERT INTO fastauth_users_v6 (id, email, name, image, password_hash, email_verified, is_active, created_at, updated_at)
                    SELECT id, email, name, image, password_hash, email_verified, is_active, created_at, updated_at FROM fastauth_users
                    """),
                .only(.sqlite, "DROP TABLE fastauth_users"),
                .only(.sqlite, "ALTER TABLE fastauth_users_v6 RENAME TO fastauth_users"),
                .only(.sqlite, "CREATE INDEX fastauth_users_created_at ON fastauth_users (created_at, id)"),
                .only(.postgresql, "ALTER TABLE fastauth_users ALTER COLUMN password_hash DROP NOT NULL"),
                .only(.postgresql, "ALTER TABLE fastauth_users ADD COLUMN deleted_at BIGINT"),
                "CREATE INDEX fastauth_users_deleted_at ON fastauth_users (deleted_at)",
                """
                CREATE TABLE fastauth_one_time_tokens (
                    hash TEXT PRIMARY KEY NOT NULL,
                    purpose TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES fastauth_users (id) ON DELETE CASCADE,
                    data TEXT,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    consumed_at BIGINT
                )
                """,
                "CREATE INDEX fastauth_one_time_tokens_user ON fastauth_one_time_tokens (user_id, purpose)",
                "CREATE INDEX fastauth_one_time_tokens_expires_at ON fastauth_one_time_tokens (expires_at)",
                .perEngine(sqlite: outboxTable(binaryType: "BLOB"), postgresql: outboxTable(binaryType: "BYTEA")),
                "CREATE INDEX fastauth_email_outbox_due ON fastauth_email_outbox (state, next_attempt_at)",
                "CREATE INDEX fastauth_email_outbox_finished_at ON fastauth_email_outbox (finished_at)",
            ]),
        // Social sign-in: started flows (only hashes of the state and of the browser binding),
        // and the provider accounts linked to users — one user per provider account, one
        // account per provider per user.
        SQLSchemaMigration(
            version: 7, name: "create social sign-in flows and linked provider accounts",
            statements: [
                """
                CREATE TABLE fastauth_oauth_flows (
                    state_hash TEXT PRIMARY KEY NOT NULL,
                    binding_hash TEXT NOT NULL,
                    provider TEXT NOT NULL,
                    purpose TEXT NOT NULL CHECK (purpose IN ('signin', 'link')),
                    user_id TEXT REFERENCES fastauth_users (id) ON DELETE CASCADE,
                    code_verifier TEXT NOT NULL,
                    nonce TEXT,
                    redirect_uri TEXT,
                    created_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX fastauth_oauth_flows_expires_at ON fastauth_oauth_flows (expires_at)",
                "CREATE INDEX fastauth_oauth_flows_user ON fastauth_oauth_flows (user_id)",
                """
                CREATE TABLE fastauth_oauth_accounts (
                    provider TEXT NOT NULL,
                    provider_account_id TEXT NOT NULL,
                    user_id TEXT NOT NULL REFERENCES fastauth_users (id) ON DELETE CASCADE,
                    email TEXT,
                    created_at BIGINT NOT NULL,
                    PRIMARY KEY (provider, provider_account_id),
                    UNIQUE (user_id, provider)
                )
                """,
            ]),
    ]

    /// The users table as of version 6 (SQLite's rebuild).
    private static func usersTable(name: String) -> String {
        """
        CREATE TABLE \(name) (
            id TEXT PRIMARY KEY NOT NULL,
            email TEXT NOT NULL UNIQUE,
            name TEXT,
            image TEXT,
            password_hash TEXT,
            email_verified BOOLEAN NOT NULL DEFAULT FALSE,
            is_active BOOLEAN NOT NULL DEFAULT TRUE,
            created_at BIGINT NOT NULL,
            updated_at BIGINT NOT NULL,
            deleted_at BIGINT
        )
        """
    }

    /// The email outbox: bodies sealed (AES-GCM), wiped once sent or failed.
    private static func outboxTable(binaryType: String) -> String {
        """
        CREATE TABLE fastauth_email_outbox (
            id TEXT PRIMARY KEY NOT NULL,
            sealed_body \(binaryType),
            deliver BOOLEAN NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
            created_at BIGINT NOT NULL,
            next_attempt_at BIGINT NOT NULL,
            attempts BIGINT NOT NULL DEFAULT 0,
            claimed_until BIGINT,
            last_error TEXT,
            finished_at BIGINT
        )
        """
    }

    /// The managed signing keys: the public JWK in the clear, the private key sealed (AES-GCM).
    private static func signingKeysTable(binaryType: String) -> String {
        """
        CREATE TABLE fastauth_signing_keys (
            id TEXT PRIMARY KEY NOT NULL,
            algorithm TEXT NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('next', 'current', 'retired')),
            created_at BIGINT NOT NULL,
            activated_at BIGINT,
            retired_at BIGINT,
            public_jwk TEXT NOT NULL,
            sealed_private_key \(binaryType) NOT NULL
        )
        """
    }
}
