import FastAuth
import FastAuthSQL
import FastAuthTesting
import FastAuthVapor
import Foundation
import Synchronization
import Testing
import Vapor
import VaporTesting

/// Records the account hooks it is called with.
final class AccountHookRecorder: EventHooks {
    let events = Mutex<[String]>([])
    func onEmailVerified(user: UserAccount) async { events.withLock { $0.append("verified \(user.email)") } }
    func onPasswordReset(user: UserAccount) async { events.withLock { $0.append("reset \(user.email)") } }
    func onEmailChanged(user: UserAccount, previousEmail: String) async {
        events.withLock { $0.append("changed \(previousEmail) -> \(user.email)") }
    }
    func onAccountDeleted(user: UserAccount) async { events.withLock { $0.append("deleted \(user.email)") } }
}

extension HTTPHarness {
    /// Delivers the outbox and returns the one mail to `to`, and the token of its link to `path`.
    func mailedToken(to recipient: String, path: String) async throws -> (EmailMessage, String) {
        let mails = try await deliverMail().filter { $0.to == recipient && $0.text.contains(path) }
        let mail = try #require(mails.first, "no mail to \(recipient) with a link to \(path)")
        #expect(mails.count == 1)
        let link = try #require(RecordingEmailTransport.link(in: mail, containing: path))
        return (mail, try #require(RecordingEmailTransport.token(in: link)))
    }

    func login(_ email: String, _ password: String) async throws -> Reply {
        try await send(.POST, "auth/login", json: ["email": .string(email), "password": .string(password)])
    }
}

/// The hidden `token` input and the form's action of an account page.
func formFields(_ html: String) -> (action: String, token: String)? {
    func attribute(_ name: String, after marker: String) -> String? {
        guard let start = html.range(of: marker), let value = html[start.upperBound...].range(of: "\(name)=\"") else {
            return nil
        }
        return String(html[value.upperBound...].prefix { $0 != "\"" })
    }
    guard let action = attribute("action", after: "<form"), let token = attribute("value", after: "name=\"token\"")
    else {
        return nil
    }
    return (action, token)
}

@Suite("Account routes: email verification", .eachHTTPAdapter)
struct EmailVerificationRouteTests {
    @Test("request → emailed link → confirm page (GET/HEAD change nothing) → POST verifies once; /me shows it")
    func verification() async throws {
        let hooks = AccountHookRecorder()
        try await withHarness(hooks: hooks) { h, app in
            let (access, _) = try await h.register()
            let sent = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            #expect(sent.status == .ok && sent["message"]?.stringValue == "Verification email sent")
            let (mail, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            #expect(mail.subject == "Verify your email address")
            #expect(mail.html?.contains("/auth/verify-email?token=\(token)") == true)
            #expect(mail.from == "no-reply@auth.example.test")

            let page = try await h.send(.GET, "auth/verify-email?token=\(token)")
            #expect(page.status == .ok)
            #expect(page.headers.contentType == .html)
            #expect(
                page.headers.first(name: "Content-Security-Policy")?.hasPrefix(
                    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'") == true)
            #expect(page.headers.first(name: "X-Frame-Options") == "DENY")
            #expect(page.headers.first(name: "Referrer-Policy") == "no-referrer")
            let head = try await app.testing().sendRequest(.HEAD, "auth/verify-email?token=\(token)")
            #expect(head.status == .ok)
            #expect(try await h.send(.GET, "auth/me", bearer: access)["email_verified"] == .bool(false))

            let fields = try #require(formFields(page.body))
            #expect(fields.action == "/auth/verify-email" && fields.token == token)
            let verified = try await h.send(.POST, "auth/verify-email", json: ["token": .string(token)])
            #expect(verified.status == .ok && verified["message"]?.stringValue == "Email verified successfully")
            #expect(try await h.send(.GET, "auth/me", bearer: access)["email_verified"] == .bool(true))
            #expect(hooks.events.withLock { $0 } == ["verified ada@example.com"])

            let again = try await h.send(.POST, "auth/verify-email", json: ["token": .string(token)])
            #expect(again.status == .badRequest && again.detail == "Invalid or expired verification token")
            let used = try await h.send(.GET, "auth/verify-email?token=\(token)")
            #expect(used.status == .badRequest && used.body.contains("This link cannot be used"))
            let already = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            #expect(already.status == .badRequest && already.detail == "Email is already verified")
        }
    }

    @Test("the confirm page's form posts as a form and is answered with a page")
    func formPost() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            let done = try await h.send(
                .POST, "auth/verify-email", raw: "token=\(token)", contentType: "application/x-www-form-urlencoded")
            #expect(
                done.status == .ok && done.headers.contentType == .html && done.body.contains("Email address confirmed")
            )
            let replay = try await h.send(
                .POST, "auth/verify-email", raw: "token=\(token)", contentType: "application/x-www-form-urlencoded")
            #expect(replay.status == .badRequest && replay.body.contains("This link cannot be used"))
        }
    }

    @Test("a second verification mail within 60 s is refused with 429 and Retry-After, and nothing is sent")
    func throttle() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            #expect(try await h.send(.POST, "auth/request-verify-email", bearer: access).status == .ok)
            let second = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            #expect(second.status == .tooManyRequests)
            let retry = try #require(second.headers.first(name: .retryAfter).flatMap(Int.init))
            #expect((1...60).contains(retry))
            #expect(try await h.deliverMail().count == 1)
            h.clock.advance(by: .seconds(61))
            #expect(try await h.send(.POST, "auth/request-verify-email", bearer: access).status == .ok)
            #expect(try await h.deliverMail().count == 1)
            // Five an hour: the sixth within the hour is refused even 61 s after the fifth.
            for _ in 0..<3 {
                h.clock.advance(by: .seconds(61))
                #expect(try await h.send(.POST, "auth/request-verify-email", bearer: access).status == .ok)
            }
            h.clock.advance(by: .seconds(61))
            #expect(try await h.send(.POST, "auth/request-verify-email", bearer: access).status == .tooManyRequests)
        }
    }

    @Test("only the newest verification link works; malformed and huge tokens are a 400, never a 500")
    func newestOnlyAndMalformed() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let (_, first) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            h.clock.advance(by: .seconds(61))
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let (_, second) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            #expect(try await h.send(.POST, "auth/verify-email", json: ["token": .string(first)]).status == .badRequest)
            for garbage in ["", "x", String(repeating: "A", count: 20_000), "../../etc", "%00"] {
                let reply = try await h.send(.POST, "auth/verify-email", json: ["token": .string(garbage)])
                #expect(reply.status == .badRequest)
                let page = try await h.send(
                    .GET,
                    "auth/verify-email?token=\(garbage.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
                )
                #expect(page.status == .badRequest)
            }
            #expect(try await h.send(.POST, "auth/verify-email", json: [:]).status == .unprocessableEntity)
            #expect(try await h.send(.POST, "auth/verify-email", json: ["token": .string(second)]).status == .ok)
        }
    }

    @Test("an expired verification link is refused (manual clock, 24 h)")
    func expiry() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            h.clock.advance(by: .seconds(86_400))
            #expect(try await h.send(.POST, "auth/verify-email", json: ["token": .string(token)]).status == .badRequest)
        }
    }

    @Test("requireVerifiedEmail: login answers 403 email_not_verified until the email is verified")
    func requireVerified() async throws {
        let accounts = AccountsConfig(emailTransport: RecordingEmailTransport(), requireVerifiedEmail: true)
        try await withHarness(accounts: accounts) { h, _ in
            let (access, _) = try await h.register()
            let refused = try await h.login("ada@example.com", "correct horse battery")
            #expect(refused.status == .forbidden && refused["code"]?.stringValue == "email_not_verified")
            let wrong = try await h.login("ada@example.com", "wrong password!!")
            #expect(wrong.status == .unauthorized)
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            _ = try await h.send(.POST, "auth/verify-email", json: ["token": .string(token)])
            #expect(try await h.login("ada@example.com", "correct horse battery").status == .ok)
        }
    }
}

@Suite("Account routes: password reset", .eachHTTPAdapter)
struct PasswordResetRouteTests {
    @Test("forgot → mail → reset: every session ends, the old password dies, the link works once, a notice is sent")
    func reset() async throws {
        let hooks = AccountHookRecorder()
        try await withHarness(hooks: hooks) { h, _ in
            let (access, refresh) = try await h.register()
            let other = try await h.login("ada@example.com", "correct horse battery")
            let forgot = try await h.send(.POST, "auth/forgot-password", json: ["email": "ADA@example.com"])
            #expect(
                forgot.status == .ok
                    && forgot["message"]?.stringValue == "If the email exists, a reset link has been sent")
            let (mail, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/reset-password")
            #expect(mail.subject == "Reset your password")

            let weak = try await h.send(
                .POST, "auth/reset-password", json: ["token": .string(token), "new_password": "short"])
            #expect(weak.status == .badRequest)
            let done = try await h.send(
                .POST, "auth/reset-password", json: ["token": .string(token), "new_password": "a brand new passphrase"])
            #expect(done.status == .ok && done["message"]?.stringValue == "Password reset successfully")
            let replay = try await h.send(
                .POST, "auth/reset-password", json: ["token": .string(token), "new_password": "another new passphrase"])
            #expect(replay.status == .badRequest && replay.detail == "Invalid or expired reset token")

            #expect(try await h.send(.GET, "auth/me", bearer: access).status == .unauthorized)
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)]).status
                    == .unauthorized)
            let otherRefresh = try #require(other["refresh_token"]?.stringValue)
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(otherRefresh)]).status
                    == .unauthorized)
            #expect(try await h.login("ada@example.com", "correct horse battery").status == .unauthorized)
            #expect(try await h.login("ada@example.com", "a brand new passphrase").status == .ok)
            let notices = try await h.deliverMail()
            #expect(notices.map(\.subject) == ["Your password was changed"])
            #expect(hooks.events.withLock { $0 } == ["reset ada@example.com"])
        }
    }

    @Test("a link scanner (GET and HEAD, following redirects) uses nothing; the page's form then completes the reset")
    func linkScanner() async throws {
        try await withHarness { h, app in
            _ = try await h.register()
            _ = try await h.send(.POST, "auth/forgot-password", json: ["email": "ada@example.com"])
            let (mail, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/reset-password")
            let link = try #require(RecordingEmailTransport.link(in: mail, containing: "/auth/reset-password"))
            let start = try #require(link.firstRange(of: "/auth/")).lowerBound
            let path = String(link[start...])
            for _ in 0..<3 {
                var target = path
                for _ in 0..<5 {
                    let response = try await app.testing().sendRequest(.GET, target)
                    guard response.status == .found, let next = response.headers.first(name: .location) else { break }
                    target = next
                }
                #expect(try await app.testing().sendRequest(.HEAD, path).status == .ok)
            }
            let page = try await h.send(.GET, String(path.dropFirst()))
            #expect(page.status == .ok && page.body.contains("Choose a new password"))
            #expect(page.body.contains("type=\"password\""))
            let fields = try #require(formFields(page.body))
            #expect(fields.token == token && fields.action == "/auth/reset-password")
            let differ = try await h.send(
                .POST, "auth/reset-password",
                raw: "token=\(token)&new_password=first+new+passphrase&confirm_password=other+passphrase",
                contentType: "application/x-www-form-urlencoded")
            #expect(differ.status == .badRequest && differ.body.contains("The two passwords differ."))
            let done = try await h.send(
                .POST, "auth/reset-password",
                raw: "token=\(fields.token)&new_password=first+new+passphrase&confirm_password=first+new+passphrase",
                contentType: "application/x-www-form-urlencoded")
            #expect(done.status == .ok && done.body.contains("Password changed"))
            #expect(try await h.login("ada@example.com", "first new passphrase").status == .ok)
        }
    }

    @Test("unknown and known emails get the same status and body; only the known one is mailed")
    func enumeration() async throws {
        let accounts = AccountsConfig(emailTransport: RecordingEmailTransport(), resetRequestsPerClientPerHour: 10_000)
        try await withHarness(accounts: accounts) { h, _ in
            let rounds = 25
            for index in 0..<rounds { _ = try await h.register("known-\(index)@example.com") }
            _ = try await h.deliverMail()
            var known: [Double] = []
            var unknown: [Double] = []
            var bodies: Set<String> = []
            var statuses: Set<UInt> = []
            for index in 0..<rounds {
                for (email, isKnown) in [("known-\(index)@example.com", true), ("nobody-\(index)@example.com", false)] {
                    let start = ContinuousClock.now
                    let reply = try await h.send(.POST, "auth/forgot-password", json: ["email": .string(email)])
                    let elapsed = ContinuousClock.now - start
                    let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
                    if isKnown { known.append(ms) } else { unknown.append(ms) }
                    bodies.insert(reply.body)
                    statuses.insert(reply.status.code)
                }
            }
            #expect(statuses == [200] && bodies.count == 1)
            let mean = { (values: [Double]) in values.reduce(0, +) / Double(values.count) }
            print(
                "forgot-password timing over \(rounds) requests each: known mean \(String(format: "%.2f", mean(known))) ms, "
                    + "unknown mean \(String(format: "%.2f", mean(unknown))) ms, ratio \(String(format: "%.3f", mean(unknown) / mean(known)))"
            )
            let mails = try await h.deliverMail()
            #expect(mails.count == rounds && mails.allSatisfy { $0.to.hasPrefix("known-") })
        }
    }

    @Test("a weak new password keeps the link usable; an expired link (30 min) is refused")
    func weakThenExpired() async throws {
        try await withHarness { h, _ in
            _ = try await h.register()
            _ = try await h.send(.POST, "auth/forgot-password", json: ["email": "ada@example.com"])
            let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/reset-password")
            #expect(
                try await h.send(.POST, "auth/reset-password", json: ["token": .string(token), "new_password": "x"])
                    .status == .badRequest)
            #expect(try await h.send(.GET, "auth/reset-password?token=\(token)").status == .ok)
            h.clock.advance(by: .seconds(1800))
            let expired = try await h.send(
                .POST, "auth/reset-password", json: ["token": .string(token), "new_password": "long enough passphrase"])
            #expect(expired.status == .badRequest && expired.detail == "Invalid or expired reset token")
        }
    }

    @Test("a reset clears the email's lockout from every client address")
    func clearsLockout() async throws {
        let security = SecurityConfig(
            rateLimitPerMinute: 0, lockoutAttempts: 3, passwordHashing: .insecureTesting, hashQueueLimit: 10_000)
        try await withHarness(security: security) { h, _ in
            _ = try await h.register()
            for _ in 0..<3 { _ = try await h.login("ada@example.com", "wrong password!!") }
            #expect(try await h.login("ada@example.com", "correct horse battery").status == .tooManyRequests)
            _ = try await h.send(.POST, "auth/forgot-password", json: ["email": "ada@example.com"])
            let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/reset-password")
            #expect(
                try await h.send(
                    .POST, "auth/reset-password",
                    json: ["token": .string(token), "new_password": "a brand new passphrase"]
                ).status == .ok)
            #expect(try await h.login("ada@example.com", "a brand new passphrase").status == .ok)
        }
    }

    @Test("forgot-password: 422 for a bad email, 429 for a second request within 60 s (known or not)")
    func forgotErrors() async throws {
        try await withHarness { h, _ in
            _ = try await h.register()
            #expect(
                try await h.send(.POST, "auth/forgot-password", json: ["email": "not-an-email"]).status
                    == .unprocessableEntity)
            #expect(try await h.send(.POST, "auth/forgot-password", json: [:]).status == .unprocessableEntity)
            for email in ["ada@example.com", "nobody@example.com"] {
                #expect(try await h.send(.POST, "auth/forgot-password", json: ["email": .string(email)]).status == .ok)
                let second = try await h.send(.POST, "auth/forgot-password", json: ["email": .string(email)])
                #expect(second.status == .tooManyRequests && second.headers.first(name: .retryAfter) != nil)
            }
        }
    }

    @Test("passwordResetURL: the mail links to the app's page and FastAuth's page redirects there")
    func appPage() async throws {
        let accounts = AccountsConfig(
            emailTransport: RecordingEmailTransport(), passwordResetURL: "https://app.example.com/reset")
        try await withHarness(accounts: accounts) { h, _ in
            _ = try await h.register()
            _ = try await h.send(.POST, "auth/forgot-password", json: ["email": "ada@example.com"])
            let mails = try await h.deliverMail()
            let link = try #require(
                mails.first.flatMap { RecordingEmailTransport.link(in: $0, containing: "app.example.com") })
            let token = try #require(RecordingEmailTransport.token(in: link))
            #expect(link == "https://app.example.com/reset?token=\(token)")
            let redirect = try await h.send(.GET, "auth/reset-password?token=\(token)")
            #expect(redirect.status == .found && redirect.headers.first(name: .location) == link)
        }
    }
}

@Suite("Account routes: concurrent consumption", .eachHTTPAdapter)
struct OneTimeTokenRaceTests {
    static func race(postgres: Bool) async throws {
        try await withHarness(postgres: postgres) { h, _ in
            _ = try await h.register()
            _ = try await h.send(.POST, "auth/forgot-password", json: ["email": "ada@example.com"])
            let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/reset-password")
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        try await h.send(
                            .POST, "auth/reset-password",
                            json: ["token": .string(token), "new_password": .string("new passphrase \(index)")]
                        ).status.code
                    }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 200 }.count == 1)
            #expect(statuses.filter { $0 == 400 }.count == 19)
        }
    }

    @Test("20 concurrent resets with one token: exactly one succeeds (SQLite)")
    func sqlite() async throws { try await Self.race(postgres: false) }

    @Test(
        "20 concurrent resets with one token: exactly one succeeds (PostgreSQL)",
        .enabled(
            if: ProcessInfo.processInfo.environment["FASTAUTH_TEST_POSTGRES_URL"] != nil,
            "FASTAUTH_TEST_POSTGRES_URL is not set"))
    func postgres() async throws { try await Self.race(postgres: true) }
}

@Suite("Account routes: account management", .eachHTTPAdapter)
struct AccountManagementRouteTests {
    @Test("profile: GET and PUT; an empty update is a 400, an overlong name a 422")
    func profile() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            let profile = try await h.send(.GET, "auth/account/profile", bearer: access)
            #expect(
                profile.status == .ok && profile["email"]?.stringValue == "ada@example.com"
                    && profile["name"]?.stringValue == "Ada")
            #expect(profile["image"] == .null && profile["id"]?.stringValue != nil)
            let updated = try await h.send(
                .PUT, "auth/account/profile", json: ["image": "https://example.com/ada.png"], bearer: access)
            #expect(
                updated["image"]?.stringValue == "https://example.com/ada.png" && updated["name"]?.stringValue == "Ada")
            let renamed = try await h.send(.PUT, "auth/account/profile", json: ["name": "Ada L."], bearer: access)
            #expect(
                renamed["name"]?.stringValue == "Ada L."
                    && renamed["image"]?.stringValue == "https://example.com/ada.png")
            let empty = try await h.send(.PUT, "auth/account/profile", json: [:], bearer: access)
            #expect(empty.status == .badRequest && empty.detail == "No fields to update")
            let long = try await h.send(
                .PUT, "auth/account/profile", json: ["name": .string(String(repeating: "x", count: 300))],
                bearer: access)
            #expect(long.status == .unprocessableEntity)
            #expect(try await h.send(.GET, "auth/account/profile").status == .unauthorized)
        }
    }

    @Test(
        "change-password: wrong current 400 (counted as a failed login), weak 400; success ends the other sessions only"
    )
    func changePassword() async throws {
        let security = SecurityConfig(
            rateLimitPerMinute: 0, lockoutAttempts: 3, passwordHashing: .insecureTesting, hashQueueLimit: 10_000)
        try await withHarness(security: security) { h, _ in
            let (access, refresh) = try await h.register()
            let other = try #require(
                try await h.login("ada@example.com", "correct horse battery")["refresh_token"]?.stringValue)
            let wrong = try await h.send(
                .POST, "auth/account/change-password",
                json: ["current_password": "nope nope nope", "new_password": "a new passphrase"],
                bearer: access)
            #expect(wrong.status == .badRequest && wrong.detail == "Current password is incorrect")
            let weak = try await h.send(
                .POST, "auth/account/change-password",
                json: ["current_password": "correct horse battery", "new_password": "x"],
                bearer: access)
            #expect(weak.status == .badRequest)
            let done = try await h.send(
                .POST, "auth/account/change-password",
                json: ["current_password": "correct horse battery", "new_password": "a new passphrase"], bearer: access)
            #expect(done.status == .ok && done["message"]?.stringValue == "Password changed successfully")
            #expect(try await h.send(.GET, "auth/me", bearer: access).status == .ok)
            #expect(try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)]).status == .ok)
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(other)]).status == .unauthorized
            )
            #expect(try await h.login("ada@example.com", "a new passphrase").status == .ok)
            // Wrong current passwords count toward the lockout of (email, client).
            for _ in 0..<3 {
                _ = try await h.send(
                    .POST, "auth/account/change-password",
                    json: ["current_password": "guess guess", "new_password": "whatever passphrase"],
                    bearer: access)
            }
            #expect(try await h.login("ada@example.com", "a new passphrase").status == .tooManyRequests)
        }
    }

    @Test(
        "change-email: wrong password 400, taken address 409; confirm page, then the new address is the (verified) email"
    )
    func changeEmail() async throws {
        let hooks = AccountHookRecorder()
        try await withHarness(hooks: hooks) { h, _ in
            let (access, _) = try await h.register()
            _ = try await h.register("taken@example.com")
            _ = try await h.deliverMail()
            let wrong = try await h.send(
                .POST, "auth/account/change-email", json: ["new_email": "ada@new.example", "password": "nope nope"],
                bearer: access)
            #expect(wrong.status == .badRequest && wrong.detail == "Password is incorrect")
            let taken = try await h.send(
                .POST, "auth/account/change-email",
                json: ["new_email": "Taken@example.com", "password": "correct horse battery"],
                bearer: access)
            #expect(taken.status == .conflict && taken.detail == "Email is already in use")
            let invalid = try await h.send(
                .POST, "auth/account/change-email", json: ["new_email": "nope", "password": "correct horse battery"],
                bearer: access)
            #expect(invalid.status == .unprocessableEntity)
            let started = try await h.send(
                .POST, "auth/account/change-email",
                json: ["new_email": "Ada@New.example", "password": "correct horse battery"],
                bearer: access)
            #expect(
                started.status == .ok && started["message"]?.stringValue == "Confirmation email sent to new address")
            let mails = try await h.deliverMail()
            #expect(Set(mails.map(\.to)) == ["ada@new.example", "ada@example.com"])
            #expect(mails.first { $0.to == "ada@example.com" }?.subject == "Your email address is being changed")
            let confirm = try #require(mails.first { $0.to == "ada@new.example" })
            let link = try #require(
                RecordingEmailTransport.link(in: confirm, containing: "/auth/account/confirm-email-change"))
            let token = try #require(RecordingEmailTransport.token(in: link))
            let page = try await h.send(.GET, "auth/account/confirm-email-change?token=\(token)")
            #expect(page.status == .ok && page.body.contains("Confirm your new email address"))
            #expect(try await h.send(.GET, "auth/me", bearer: access)["email"]?.stringValue == "ada@example.com")
            let done = try await h.send(.POST, "auth/account/confirm-email-change", json: ["token": .string(token)])
            #expect(done.status == .ok && done["message"]?.stringValue == "Email changed successfully")
            let me = try await h.send(.GET, "auth/account/profile", bearer: access)
            #expect(me["email"]?.stringValue == "ada@new.example")
            #expect(try await h.send(.GET, "auth/me", bearer: access)["email_verified"] == .bool(true))
            #expect(try await h.login("ada@new.example", "correct horse battery").status == .ok)
            #expect(try await h.login("ada@example.com", "correct horse battery").status == .unauthorized)
            let again = try await h.send(.POST, "auth/account/confirm-email-change", json: ["token": .string(token)])
            #expect(again.status == .badRequest && again.detail == "Invalid or expired token")
            #expect(hooks.events.withLock { $0 } == ["changed ada@example.com -> ada@new.example"])
        }
    }

    @Test("a verification link sent before an email change does not verify the new address")
    func verificationBoundToAddress() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let (_, verification) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
            _ = try await h.send(
                .POST, "auth/account/change-email",
                json: ["new_email": "ada@new.example", "password": "correct horse battery"],
                bearer: access)
            let (_, change) = try await h.mailedToken(to: "ada@new.example", path: "/auth/account/confirm-email-change")
            #expect(
                try await h.send(.POST, "auth/account/confirm-email-change", json: ["token": .string(change)]).status
                    == .ok)
            // Changing the address verified the new one; the old link stays void either way.
            #expect(
                try await h.send(.POST, "auth/verify-email", json: ["token": .string(verification)]).status
                    == .badRequest)
        }
    }

    @Test("delete account: wrong password 400; then sessions end, login fails, the email stays taken until the purge")
    func deleteAccount() async throws {
        let hooks = AccountHookRecorder()
        try await withHarness(hooks: hooks) { h, _ in
            let (access, refresh) = try await h.register()
            let wrong = try await h.send(.DELETE, "auth/account", json: ["password": "nope nope"], bearer: access)
            #expect(wrong.status == .badRequest && wrong.detail == "Password is incorrect")
            let done = try await h.send(
                .DELETE, "auth/account", json: ["password": "correct horse battery"], bearer: access)
            #expect(done.status == .ok && done["message"]?.stringValue == "Account deleted successfully")
            #expect(try await h.send(.GET, "auth/me", bearer: access).status == .unauthorized)
            #expect(
                try await h.send(.POST, "auth/refresh", json: ["refresh_token": .string(refresh)]).status
                    == .unauthorized)
            let login = try await h.login("ada@example.com", "correct horse battery")
            #expect(login.status == .unauthorized && login.detail == "Invalid email or password")
            let reuse = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": "correct horse battery"])
            #expect(reuse.status == .conflict)
            #expect(hooks.events.withLock { $0 } == ["deleted ada@example.com"])
            h.clock.advance(by: .seconds(30 * 86_400 + 1))
            let report = try await h.auth.housekeeping.runOnce()
            #expect(report.users == 1)
            _ = try await h.register()
        }
    }

    @Test("cookie delivery: account changes need the CSRF header; deleting the account clears the cookies")
    func cookieMode() async throws {
        try await withHarness(delivery: .cookie) { h, _ in
            let registered = try await h.send(
                .POST, "auth/register", json: ["email": "ada@example.com", "password": "correct horse battery"])
            let cookies = registered.headers[.setCookie]
            func cookie(_ name: String) -> String? {
                cookies.first { $0.hasPrefix(name + "=") }.map {
                    String($0.dropFirst(name.count + 1).prefix { $0 != ";" })
                }
            }
            let access = try #require(cookie("access_token"))
            let csrf = try #require(cookie("csrf_token"))
            let jar = "access_token=\(access); csrf_token=\(csrf)"
            let noCSRF = try await h.send(
                .DELETE, "auth/account", json: ["password": "correct horse battery"], headers: ["Cookie": jar])
            #expect(noCSRF.status == .forbidden)
            let done = try await h.send(
                .DELETE, "auth/account", json: ["password": "correct horse battery"],
                headers: ["Cookie": jar, "X-CSRF-Token": csrf])
            #expect(done.status == .ok)
            #expect(done.headers[.setCookie].contains { $0.hasPrefix("access_token=;") || $0.contains("Max-Age=0") })
        }
    }
}

@Suite("Account routes in the OpenAPI document", .eachHTTPAdapter)
struct AccountOpenAPITests {
    @Test("every account route is described, with its body, and every $ref resolves")
    func document() async throws {
        try await withHarness { h, _ in
            let document = try #require(try await h.send(.GET, "auth/openapi.json").json)
            let schemas = try #require(document["components"]?["schemas"]?.objectValue)
            func refs(_ value: JSONValue) -> [String] {
                switch value {
                case .object(let fields):
                    return fields.flatMap { key, value in
                        key == "$ref" ? [value.stringValue ?? ""] : refs(value)
                    }
                case .array(let items): return items.flatMap(refs)
                default: return []
                }
            }
            for reference in refs(document) {
                #expect(schemas[String(reference.dropFirst("#/components/schemas/".count))] != nil, "\(reference)")
            }
            let paths = try #require(document["paths"])
            #expect(
                paths["/auth/reset-password"]?["post"]?["requestBody"]?["content"]?["application/x-www-form-urlencoded"]
                    != nil)
            #expect(
                paths["/auth/verify-email"]?["get"]?["parameters"]?.arrayValue?.first?["name"]?.stringValue == "token")
            #expect(paths["/auth/account"]?["delete"]?["security"] != nil)
            #expect(paths["/auth/account/profile"]?["put"]?["responses"]?["200"] != nil)
        }
    }
}

@Suite("Account routes with mail turned off", .eachHTTPAdapter)
struct MailOffRouteTests {
    @Test("without a transport the routes that send mail answer 503 email_unavailable; the rest work")
    func mailOff() async throws {
        try await withHarness(accounts: AccountsConfig(emailTransport: nil)) { h, _ in
            let (access, _) = try await h.register()
            for (path, body, bearer) in [
                ("auth/request-verify-email", JSONValue?.none, Optional(access)),
                ("auth/forgot-password", ["email": "ada@example.com"], nil),
                (
                    "auth/account/change-email", ["new_email": "x@example.com", "password": "correct horse battery"],
                    access
                ),
            ] as [(String, JSONValue?, String?)] {
                let reply = try await h.send(.POST, path, json: body, bearer: bearer)
                #expect(
                    reply.status == .serviceUnavailable && reply["code"]?.stringValue == "email_unavailable",
                    "\(path): \(reply.body)")
            }
            #expect(try await h.send(.GET, "auth/account/profile", bearer: access).status == .ok)
            #expect(try await h.auth.outbox.deliverDue().total == 0)
        }
    }
}

@Suite("Email outbox delivery", .eachHTTPAdapter)
struct OutboxDeliveryTests {
    @Test("a transient failure is retried after a backoff; a permanent one is given up; sent bodies are wiped")
    func retries() async throws {
        try await withHarness { h, _ in
            let (access, _) = try await h.register()
            try h.mail.failNext([EmailDeliveryError(.transient, "421 try again later")])
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            let first = try await h.auth.outbox.deliverDue()
            #expect(first.retried == 1 && first.sent == 0)
            #expect(try await h.auth.outbox.deliverDue().sent == 0)
            h.clock.advance(by: .seconds(40))
            #expect(try await h.auth.outbox.deliverDue().sent == 1)
            #expect(try h.mail.sent.count == 1)

            try h.mail.failNext([EmailDeliveryError(.permanent, "550 mailbox unavailable")])
            h.clock.advance(by: .seconds(61))
            _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
            #expect(try await h.auth.outbox.deliverDue().failed == 1)
            h.clock.advance(by: .seconds(7200))
            #expect(try await h.auth.outbox.deliverDue().total == 0)
        }
    }

    @Test(
        "the outbox row holds the mail sealed: the link's token is not in the database, and the body is wiped once sent"
    )
    func sealedAtRest() async throws {
        try await withTestDatabase { store in
            try await withApp { app in
                let h = try await HTTPHarness.make(app, store: store)
                let (access, _) = try await h.register()
                _ = try await h.send(.POST, "auth/request-verify-email", bearer: access)
                let claimed = try await store.claimEmails(now: h.clock.now(), leaseUntil: h.clock.now(), limit: 10)
                let row = try #require(claimed.first)
                let sealed = try #require(row.sealedBody)
                #expect(!String(decoding: sealed, as: UTF8.self).contains("verify-email"))
                try await store.completeEmail(
                    id: row.id, outcome: .retry(at: h.clock.now(), error: ""), now: h.clock.now())
                let (_, token) = try await h.mailedToken(to: "ada@example.com", path: "/auth/verify-email")
                #expect(!sealed.contains(array: Array(token.utf8)))
                #expect(try await store.outboxEmail(id: row.id)?.sealedBody == nil)
            }
        }
    }
}

extension Array where Element == UInt8 {
    func contains(array needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}

@Suite("Email templates")
struct EmailTemplateTests {
    @Test("every built-in template renders a subject, a text and an HTML part, escaping HTML values")
    func builtIn() throws {
        for kind in EmailTemplates.Kind.allCases {
            let rendered = try EmailTemplates.builtIn.render(
                kind,
                values: [
                    "name": "<Ada & Co>", "email": "ada@example.com", "url": "https://x.example/?token=a&b=1",
                    "expires_in_minutes": "30", "new_email": "new@example.com",
                ])
            #expect(!rendered.subject.isEmpty && !rendered.text.isEmpty)
            let html = try #require(rendered.html)
            #expect(!html.contains("<Ada & Co>") && html.contains("&lt;Ada &amp; Co&gt;"))
            #expect(rendered.text.contains("<Ada & Co>"))
            if rendered.text.contains("https://") { #expect(rendered.text.contains("https://x.example/?token=a&b=1")) }
        }
    }

    @Test("a directory overrides templates file by file; a broken or unknown file is a readable error")
    func overrides() throws {
        let directory = NSTemporaryDirectory() + "fastauth-templates-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "Bitte bestätigen\r\nBcc: evil@example.com".write(
            toFile: directory + "/verification.subject.mustache", atomically: true, encoding: .utf8)
        try "Hallo {{{name}}}: {{{url}}}".write(
            toFile: directory + "/verification.text.mustache", atomically: true, encoding: .utf8)
        try "".write(toFile: directory + "/verification.html.mustache", atomically: true, encoding: .utf8)
        let templates = try EmailTemplates(directory: directory)
        let rendered = try templates.render(.verification, values: ["name": "Ada", "url": "https://x.example"])
        #expect(rendered.subject == "Bitte bestätigen  Bcc: evil@example.com")
        #expect(rendered.text == "Hallo Ada: https://x.example" && rendered.html == nil)
        #expect(
            try templates.render(.passwordReset, values: ["name": "Ada", "url": "u"]).subject == "Reset your password")

        try "{{#broken}}".write(toFile: directory + "/password_reset.text.mustache", atomically: true, encoding: .utf8)
        try "x".write(toFile: directory + "/welcome.text.mustache", atomically: true, encoding: .utf8)
        do {
            _ = try EmailTemplates(directory: directory)
            Issue.record("broken templates were accepted")
        } catch {
            #expect(error.problems.contains { $0.contains("password_reset.text.mustache") })
            #expect(error.problems.contains { $0.contains("welcome.text.mustache") })
        }
        #expect(throws: ConfigurationError.self) { try EmailTemplates(directory: directory + "/missing") }
    }
}
