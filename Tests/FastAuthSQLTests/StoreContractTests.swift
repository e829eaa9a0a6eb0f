import FastAuth
import FastAuthSQL
import FastAuthTesting
import Testing

@Suite("Store contract: in memory")
struct InMemoryStoreContractTests {
    @Test("the in-memory store meets the store contract", arguments: StoreContract.cases)
    func contract(_ contractCase: StoreContract.Case) async throws {
        try await contractCase.run(InMemoryStore())
    }
}

@Suite("Store contract: SQLite")
struct SQLiteStoreContractTests {
    @Test("the SQL store on an SQLite file meets the store contract", arguments: StoreContract.cases)
    func contract(_ contractCase: StoreContract.Case) async throws {
        try await TestDatabase.withSQLite { database in
            try await database.withStore { store, _ in try await contractCase.run(store) }
        }
    }

    @Test("the SQL store on an SQLite file passes the SQL checks", arguments: SQLStoreChecks.cases)
    func sql(_ check: SQLStoreChecks.Case) async throws {
        try await TestDatabase.withSQLite { try await check.run($0) }
    }
}

@Suite(
    "Store contract: PostgreSQL", .serialized,
    .enabled(
        if: TestDatabase.postgresURL != nil,
        "FASTAUTH_TEST_POSTGRES_URL is not set; the PostgreSQL cases are skipped (CI sets it)"))
struct PostgresStoreContractTests {
    @Test("the SQL store on PostgreSQL meets the store contract", arguments: StoreContract.cases)
    func contract(_ contractCase: StoreContract.Case) async throws {
        try await TestDatabase.withPostgres { database in
            try await database.withStore { store, _ in try await contractCase.run(store) }
        }
    }

    @Test("the SQL store on PostgreSQL passes the SQL checks", arguments: SQLStoreChecks.cases)
    func sql(_ check: SQLStoreChecks.Case) async throws {
        try await TestDatabase.withPostgres { try await check.run($0) }
    }
}
