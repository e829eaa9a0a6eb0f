import FastAuth
import FastAuthSQL
import FastAuthTesting
import Testing

@Suite("Signing-key store contract: in memory")
struct InMemorySigningKeyStoreContractTests {
    @Test("the in-memory signing-key store meets the contract", arguments: SigningKeyStoreContract.cases)
    func contract(_ contractCase: SigningKeyStoreContract.Case) async throws {
        try await contractCase.run(InMemorySigningKeyStore())
    }
}

@Suite("Signing-key store contract: SQLite")
struct SQLiteSigningKeyStoreContractTests {
    @Test("the SQL store on an SQLite file meets the signing-key contract", arguments: SigningKeyStoreContract.cases)
    func contract(_ contractCase: SigningKeyStoreContract.Case) async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in try await contractCase.run(store) }
        }
    }

    @Test("the SQL store on an SQLite file passes the signing-key SQL checks", arguments: SigningKeySQLChecks.cases)
    func sql(_ check: SQLStoreChecks.Case) async throws {
        try await TestDatabase.withSQLite { try await check.run($0) }
    }
}

@Suite(
    "Signing-key store contract: PostgreSQL", .serialized,
    .enabled(
        if: TestDatabase.postgresURL != nil,
        "FASTAUTH_TEST_POSTGRES_URL is not set; the PostgreSQL cases are skipped (CI sets it)"))
struct PostgresSigningKeyStoreContractTests {
    @Test("the SQL store on PostgreSQL meets the signing-key contract", arguments: SigningKeyStoreContract.cases)
    func contract(_ contractCase: SigningKeyStoreContract.Case) async throws {
        try await TestDatabase.withPostgres { database in
            try await database.withStore { store, _ in try await contractCase.run(store) }
        }
    }

    @Test("the SQL store on PostgreSQL passes the signing-key SQL checks", arguments: SigningKeySQLChecks.cases)
    func sql(_ check: SQLStoreChecks.Case) async throws {
        try await TestDatabase.withPostgres { try await check.run($0) }
    }
}
