import FastAuth
import FastAuthTesting
import FastAuthVapor
import Foundation
import Testing
import Vapor
import VaporTesting

/// The lockout counts every attempt before the password is hashed, over the trailing lockout
/// period: a concurrent burst gets at most `lockoutAttempts` guesses evaluated, and failures
/// that straddle a clock boundary lock as well as any others.
@Suite("Lockout: atomic and sliding", .eachHTTPAdapter)
struct LockoutTests {
    static let wrong = "wrong password!"
    static let right = "correct horse battery"

    @Test("five failures that straddle a five-minute clock boundary lock the pair")
    func straddlingFailures() async throws {
        let h = try await AuthHarness()
        _ = try await h.register()
        // The manual clock starts on a multiple of 300 s: move to 2 s before the next one.
        h.clock.advance(by: .seconds(298))
        for _ in 0..<3 {
            #expect(
                await h.code {
                    _ = try await h.auth.login(
                        email: "ada@example.com", password: Self.wrong, remember: false, context: h.context)
                } == .invalidCredentials)
        }
        h.clock.advance(by: .seconds(4))
        for _ in 0..<2 {
            #expect(
                await h.code {
                    _ = try await h.auth.login(
                        email: "ada@example.com", password: Self.wrong, remember: false, context: h.context)
                } == .invalidCredentials)
        }
        #expect(
            await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: Self.right, remember: false, context: h.context)
            } == .rateLimited)
        // The oldest three leave the trailing window 300 s after they were made: then it opens.
        h.clock.advance(by: .seconds(296))
        _ = try await h.auth.login(email: "ada@example.com", password: Self.right, remember: false, context: h.context)
    }

    @Test("refused attempts count too, Retry-After says when the next one is admitted, and a success clears the count")
    func refusedAttemptsCount() async throws {
        let h = try await AuthHarness()
        _ = try await h.register()
        for _ in 0..<5 {
            _ = await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: Self.wrong, remember: false, context: h.context)
            }
        }
        h.clock.advance(by: .seconds(20))
        do {
            _ = try await h.auth.login(
                email: "ada@example.com", password: Self.right, remember: false, context: h.context)
            Issue.record("a locked pair logged in")
        } catch {
            #expect(error.code == .rateLimited && error.retryAfter == 280)
        }
        // 299 s after the five failures they are still in the window: refused (and counted). At
        // 301 s they have left it; the two refused attempts and this one make three: admitted.
        h.clock.advance(by: .seconds(279))
        #expect(
            await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: Self.right, remember: false, context: h.context)
            } == .rateLimited)
        h.clock.advance(by: .seconds(2))
        _ = try await h.auth.login(email: "ada@example.com", password: Self.right, remember: false, context: h.context)
        for _ in 0..<4 {
            _ = await h.code {
                _ = try await h.auth.login(
                    email: "ada@example.com", password: Self.wrong, remember: false, context: h.context)
            }
        }
        _ = try await h.auth.login(email: "ada@example.com", password: Self.right, remember: false, context: h.context)
    }

    @Test(
        "30 concurrent wrong logins and then the right one: at most five evaluated, no success, locked afterwards",
        arguments: HTTPConcurrencyTests.engines)
    func burst(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            _ = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": .string(Self.right)])
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await h.send(
                            .POST, "auth/login", json: ["email": "ada@example.com", "password": .string(Self.wrong)]
                        ).status.code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let evaluated = statuses.filter { $0 == 401 }.count
            #expect(evaluated <= 5, "\(statuses)")
            #expect(statuses.allSatisfy { $0 == 401 || $0 == 429 }, "\(statuses)")
            let rightOne = try await h.send(
                .POST, "auth/login", json: ["email": "ada@example.com", "password": .string(Self.right)])
            #expect(rightOne.status == .tooManyRequests)
            #expect(rightOne.headers.first(name: "Retry-After") != nil)
        }
    }
}
