import FastAuth
import FastAuthTesting
import FastAuthVapor
import Foundation
import Testing
import Vapor
import VaporTesting

/// Concurrency through the real routes on the real stores: SQLite always, PostgreSQL when
/// `FASTAUTH_TEST_POSTGRES_URL` is set (CI sets it).
@Suite("HTTP under concurrency", .eachHTTPAdapter)
struct HTTPConcurrencyTests {
    static let engines: [Bool] =
        ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] == nil ? [false] : [false, true]

    @Test("20 concurrent refreshes of one token: no 5xx, and every pair returned is usable", arguments: engines)
    func concurrentRefresh(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let (_, refresh) = try await h.register()
            let replies = try await withThrowingTaskGroup(of: HTTPHarness.Reply.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)]) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.allSatisfy { $0.status == .ok }, "\(replies.map(\.status.code))")
            for reply in replies {
                let access = try #require(reply["access_token"]?.stringValue)
                #expect(try await h.send(.GET, "auth/me", bearer: access).status == .ok)
            }
            // The session goes on: one of the returned refresh tokens buys the next pair.
            let next = try #require(replies.first?["refresh_token"]?.stringValue)
            #expect(try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(next)]).status == .ok)
        }
    }

    @Test("64 concurrent registrations make 64 users who can all log in", arguments: engines)
    func concurrentRegistrations(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await h.send(
                            .POST, "auth/register",
                            json: ["email": .string("user\(index)@example.com"), "password": "correct horse battery"]
                        ).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 201 }, "\(statuses)")
            let logins = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await h.send(
                            .POST, "auth/login",
                            json: ["email": .string("user\(index)@example.com"), "password": "correct horse battery"]
                        ).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(logins.allSatisfy { $0 == 200 }, "\(logins)")
        }
    }

    @Test("concurrent registrations of one email: exactly one 201, the rest 409, never a 5xx", arguments: engines)
    func duplicateRace(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<16 {
                    group.addTask {
                        try await h.send(
                            .POST, "auth/register",
                            json: ["email": "same@example.com", "password": "correct horse battery"]
                        ).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 15)
        }
    }

    @Test("concurrent logins of one user, right and wrong passwords mixed: no 5xx", arguments: engines)
    func concurrentLogins(postgres: Bool) async throws {
        try await withHarness(
            security: SecurityConfig(
                rateLimitPerMinute: 0, lockoutAttempts: 1000, passwordHashing: .insecureTesting, hashQueueLimit: 10_000),
            postgres: postgres
        ) { h, _ in
            _ = try await h.register()
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<48 {
                    group.addTask {
                        let password = index % 3 == 0 ? "wrong password!" : "correct horse battery"
                        return try await h.send(
                            .POST, "auth/login", json: ["email": "ada@example.com", "password": .string(password)]
                        ).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == 200 || $0 == 401 }, "\(statuses)")
            #expect(statuses.filter { $0 == 200 }.count == 32)
        }
    }
}
