public import FastAuth
import SQLKit

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Managed signing keys in `fastauth_signing_keys`. Every change is one conditional statement
/// or one transaction, so any number of instances acting at once make exactly one transition.
/// Beyond that, the partial unique index on `state` (for `next` and `current`) lets the database
/// itself refuse a second `next` or `current` key, whatever the callers do.
extension SQLAuthStore: SigningKeyStore {
    /// Itself: the managed signing keys live in `fastauth_signing_keys`, beside everything else.
    public var signingKeyStore: (any SigningKeyStore)? { self }

    /// Every stored key, oldest first.
    public func signingKeys() async throws -> [StoredSigningKey] {
        try await perform("read the signing keys") { database in
            try await database.raw(
                """
                SELECT \(unsafeRaw: SigningKeyColumns.all) FROM fastauth_signing_keys
                ORDER BY created_at, id
                """
            ).all().map { try StoredRow($0, table: "fastauth_signing_keys").signingKey() }
        }
    }

    /// Inserts `key` unless its id exists or, for a `next` or `current` key, another key already
    /// has that state — one `INSERT … ON CONFLICT DO NOTHING`, which on both engines covers the
    /// primary key and the partial unique index. Of concurrent inserts the database lets exactly
    /// one through (SQLite: one writer at a time; PostgreSQL: the later inserts wait on the
    /// earlier's uncommitted index entry, then see the conflict).
    public func insertSigningKey(_ key: StoredSigningKey) async throws -> Bool {
        try await performWrite("store a signing key") { database in
            try await database.raw(
                """
                INSERT INTO fastauth_signing_keys (\(unsafeRaw: SigningKeyColumns.all))
                VALUES (\(bind: key.id.rawValue), \(bind: key.algorithm.rawValue), \(bind: key.state.rawValue), \
                \(bind: key.createdAt.storedMilliseconds), \(bind: key.activatedAt?.storedMilliseconds), \
                \(bind: key.retiredAt?.storedMilliseconds), \(bind: key.publicJWK), \
                \(bind: Data(key.sealedPrivateKey)))
                ON CONFLICT DO NOTHING
                RETURNING id
                """
            ).first() != nil
        }
    }

    /// Makes `next` current and `current` (if given) retired, at `now`, in one transaction;
    /// `false` and no change unless both keys are still in those states (and, without `current`,
    /// no key is current).
    ///
    /// The transaction retires `current` first — `UPDATE … WHERE id = ? AND state = 'current'`
    /// must change its row — and then promotes `next` with `UPDATE … WHERE id = ? AND state =
    /// 'next'`, which must change its row too, or the retirement rolls back. Retiring first keeps
    /// the partial unique index satisfied after every statement. Concurrent promotions of one pair
    /// serialise on the database (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: the row lock on `current`,
    /// the losers re-checking `state` once the winner commits), so exactly one changes anything.
    /// Should another key become current between the check and the promotion (PostgreSQL only,
    /// where transactions overlap), the unique index refuses the promotion and this returns `false`.
    public func promoteSigningKey(next: KeyID, current: KeyID?, now: Date) async throws -> Bool {
        let nowMilliseconds = now.storedMilliseconds
        do {
            return try await transaction("promote a signing key") { database, _ in
                if let current {
                    let retired = try await database.raw(
                        """
                        UPDATE fastauth_signing_keys SET state = 'retired', retired_at = \(bind: nowMilliseconds)
                        WHERE id = \(bind: current.rawValue) AND state = 'current'
                        RETURNING id
                        """
                    ).first()
                    guard retired != nil else { return false }
                } else {
                    let existing = try await database.raw(
                        "SELECT id FROM fastauth_signing_keys WHERE state = 'current' LIMIT 1"
                    ).first()
                    guard existing == nil else { return false }
                }
                let promoted = try await database.raw(
                    """
                    UPDATE fastauth_signing_keys SET state = 'current', activated_at = \(bind: nowMilliseconds)
                    WHERE id = \(bind: next.rawValue) AND state = 'next'
                    RETURNING id
                    """
                ).first()
                guard promoted != nil else { throw RollbackTransaction(result: false) }
                return true
            }
        } catch let error as StoreError where error.code == .duplicateID {
            // The partial unique index refused a second current key: another transition won.
            return false
        }
    }

    /// Retires `id` if it is in state `from`, at `now` — one conditional `UPDATE`.
    public func retireSigningKey(_ id: KeyID, from: KeyState, now: Date) async throws -> Bool {
        try await performWrite("retire a signing key") { database in
            try await database.raw(
                """
                UPDATE fastauth_signing_keys SET state = 'retired', retired_at = \(bind: now.storedMilliseconds)
                WHERE id = \(bind: id.rawValue) AND state = \(bind: from.rawValue)
                RETURNING id
                """
            ).first() != nil
        }
    }

    /// Deletes `id` if it is retired — one conditional `DELETE`.
    public func deleteRetiredSigningKey(_ id: KeyID) async throws -> Bool {
        try await performWrite("delete a retired signing key") { database in
            try await database.raw(
                """
                DELETE FROM fastauth_signing_keys WHERE id = \(bind: id.rawValue) AND state = 'retired'
                RETURNING id
                """
            ).first() != nil
        }
    }

    /// Replaces the sealed private key of `id`; nothing happens when there is no such key.
    public func resealSigningKey(_ id: KeyID, sealedPrivateKey: [UInt8]) async throws {
        try await performWrite("reseal a signing key") { database in
            try await database.raw(
                """
                UPDATE fastauth_signing_keys SET sealed_private_key = \(bind: Data(sealedPrivateKey))
                WHERE id = \(bind: id.rawValue)
                """
            ).run()
        }
    }
}

/// The column list of `fastauth_signing_keys`, matching ``StoredRow/signingKey()``.
enum SigningKeyColumns {
    static let all =
        "id, algorithm, state, created_at, activated_at, retired_at, public_jwk, sealed_private_key"
}

extension StoredRow {
    /// A `fastauth_signing_keys` row selected with ``SigningKeyColumns/all``.
    func signingKey() throws(StoreError) -> StoredSigningKey {
        guard let state = KeyState(rawValue: try string("state")) else { throw corruptColumn("state") }
        let sealed: Data
        do {
            sealed = try row.decode(column: "sealed_private_key", as: Data.self)
        } catch {
            throw corruptColumn("sealed_private_key")
        }
        return StoredSigningKey(
            id: KeyID(try string("id")), algorithm: SigningAlgorithm(try string("algorithm")), state: state,
            createdAt: try date("created_at"), activatedAt: try optionalDate("activated_at"),
            retiredAt: try optionalDate("retired_at"), publicJWK: try string("public_jwk"),
            sealedPrivateKey: [UInt8](sealed))
    }

    private func corruptColumn(_ column: String) -> StoreError {
        StoreError(.corrupt, "column \(column) of \(table) holds a value FastAuth did not write")
    }
}
