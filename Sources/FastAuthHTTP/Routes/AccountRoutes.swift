import FastAuth
import Foundation

/// The account-lifecycle routes, wire-compatible with FastAuth 0.5.8 (docs/HTTP-API.md,
/// "Accounts"). The emailed links open small HTML pages (GET and HEAD change nothing); their
/// forms post back here, and a form post is answered with a page instead of JSON.
enum AccountRoute: CaseIterable {
    case requestVerifyEmail, verifyEmailPage, verifyEmail, forgotPassword, resetPasswordPage, resetPassword
    case profile, updateProfile, changePassword, changeEmail, confirmEmailChangePage, confirmEmailChange, deleteAccount

    var spec: RouteSpec {
        switch self {
        case .requestVerifyEmail:
            RouteSpec(
                method: .POST, path: ["request-verify-email"], summary: "Email the caller a verification link",
                requiresAuth: true)
        case .verifyEmailPage:
            RouteSpec(
                method: .GET, path: ["verify-email"], summary: "The emailed link's confirm page (HTML; uses nothing)",
                requiresAuth: false)
        case .verifyEmail:
            RouteSpec(
                method: .POST, path: ["verify-email"], summary: "Verify the email with a token (JSON or form)",
                requiresAuth: false)
        case .forgotPassword:
            RouteSpec(
                method: .POST, path: ["forgot-password"],
                summary: "Email a password-reset link (same answer for unknown emails)",
                requiresAuth: false)
        case .resetPasswordPage:
            RouteSpec(
                method: .GET, path: ["reset-password"],
                summary: "The emailed link's new-password form (HTML; uses nothing)",
                requiresAuth: false)
        case .resetPassword:
            RouteSpec(
                method: .POST, path: ["reset-password"],
                summary: "Set a new password with a reset token; ends every session",
                requiresAuth: false)
        case .profile:
            RouteSpec(method: .GET, path: ["account", "profile"], summary: "The caller's profile", requiresAuth: true)
        case .updateProfile:
            RouteSpec(
                method: .PUT, path: ["account", "profile"], summary: "Change the caller's name and image",
                requiresAuth: true)
        case .changePassword:
            RouteSpec(
                method: .POST, path: ["account", "change-password"],
                summary: "Change the password; ends the other sessions",
                requiresAuth: true)
        case .changeEmail:
            RouteSpec(
                method: .POST, path: ["account", "change-email"], summary: "Email a confirmation link to a new address",
                requiresAuth: true)
        case .confirmEmailChangePage:
            RouteSpec(
                method: .GET, path: ["account", "confirm-email-change"],
                summary: "The emailed link's confirm page (HTML; uses nothing)", requiresAuth: false)
        case .confirmEmailChange:
            RouteSpec(
                method: .POST, path: ["account", "confirm-email-change"],
                summary: "Confirm an email change with a token",
                requiresAuth: false)
        case .deleteAccount:
            RouteSpec(
                method: .DELETE, path: ["account"], summary: "Delete the caller's account; ends every session",
                requiresAuth: true)
        }
    }

}

extension AuthRoutes {
    func route(_ route: AccountRoute, base: [String]) -> AuthRoute {
        AuthRoute(route.spec, base: base) { request in
            switch route {
            case .requestVerifyEmail: try await self.requestVerifyEmail(request)
            case .verifyEmailPage: try await self.tokenPage(request, purpose: .emailVerification)
            case .verifyEmail: try await self.verifyEmail(request)
            case .forgotPassword: try await self.forgotPassword(request)
            case .resetPasswordPage: try await self.tokenPage(request, purpose: .passwordReset)
            case .resetPassword: try await self.resetPassword(request)
            case .profile: try await self.profile(request)
            case .updateProfile: try await self.updateProfile(request)
            case .changePassword: try await self.changePassword(request)
            case .changeEmail: try await self.changeEmail(request)
            case .confirmEmailChangePage: try await self.tokenPage(request, purpose: .emailChange)
            case .confirmEmailChange: try await self.confirmEmailChange(request)
            case .deleteAccount: try await self.deleteAccount(request)
            }
        }
    }

    private var prefix: String { auth.config.routePrefix }

    private static func message(_ text: String) -> AuthHTTPResponse {
        JSONResponse.make(200, ["message": .string(text)])
    }

    /// `true` when the body is a form (posted from one of the pages): answer with a page.
    private static func isForm(_ request: some AuthHTTPRequest) -> Bool {
        RequestBodyDecoding.mediaType(ofContentType: request.header("Content-Type")) == .form
    }

    /// Runs `body` and returns its refusal, if it was refused.
    static func refusal(_ body: () async throws(AuthError) -> Void) async -> AuthError? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }

    static func page(_ page: AccountPages.Page) -> AuthHTTPResponse {
        var response = AuthHTTPResponse(
            status: page.status, headers: [("Content-Type", "text/html; charset=utf-8")], body: Array(page.html.utf8))
        for header in AccountPages.securityHeaders { response.replaceHeader(header.name, header.value) }
        return response
    }

    // MARK: Email verification

    private func requestVerifyEmail(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        try await auth.requestEmailVerification(for: principal, context: context(request))
        return Self.message("Verification email sent")
    }

    /// The page an emailed link opens. It only looks the token up; HEAD (answered from this
    /// route) and GET change nothing, so a link scanner cannot use the link up.
    private func tokenPage(
        _ request: any AuthHTTPRequest, purpose: OneTimeTokenPurpose
    ) async throws -> AuthHTTPResponse {
        let token = request.query("token") ?? ""
        if purpose == .passwordReset, let own = auth.config.accounts.passwordResetURL {
            var response = AuthHTTPResponse(status: 302)
            for header in AccountPages.securityHeaders { response.replaceHeader(header.name, header.value) }
            response.replaceHeader(
                "Location",
                own + "?token=" + (token.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""))
            return response
        }
        guard try await auth.oneTimeTokenIsUsable(token, purpose: purpose) else {
            return Self.page(AccountPages.invalidLink)
        }
        switch purpose {
        case .emailVerification:
            return Self.page(AccountPages.confirmEmail(action: prefix + "/verify-email", token: token))
        case .emailChange:
            return Self.page(
                AccountPages.confirmEmailChange(action: prefix + "/account/confirm-email-change", token: token))
        case .passwordReset:
            return Self.page(
                AccountPages.resetPassword(
                    action: prefix + "/reset-password", token: token,
                    minimumLength: auth.config.passwordPolicy.minLength))
        }
    }

    private func verifyEmail(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request, allowForm: true)
        let token = try body.string("token")
        guard Self.isForm(request) else {
            try await auth.verifyEmail(token: token, context: context(request))
            return Self.message("Email verified successfully")
        }
        let context = context(request)
        let failure = await Self.refusal { () async throws(AuthError) in
            try await auth.verifyEmail(token: token, context: context)
        }
        switch failure?.code {
        case nil:
            return Self.page(
                AccountPages.outcome(
                    title: "Email address confirmed", message: "Thank you: your email address is verified.",
                    success: true))
        case .invalidToken?: return Self.page(AccountPages.invalidLink)
        default: throw failure ?? AuthError.notAuthenticatedError
        }
    }

    // MARK: Password reset

    private func forgotPassword(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        try await auth.forgotPassword(email: try body.string("email"), context: context(request))
        return Self.message("If the email exists, a reset link has been sent")
    }

    private func resetPassword(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request, allowForm: true)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let token = try body.string("token")
        let password = try body.string("new_password")
        guard Self.isForm(request) else {
            try await auth.resetPassword(token: token, newPassword: password, context: context(request))
            return Self.message("Password reset successfully")
        }
        let minimum = auth.config.passwordPolicy.minLength
        let action = prefix + "/reset-password"
        if let repeated = try body.optionalString("confirm_password"), repeated != password {
            return Self.page(
                AccountPages.resetPassword(
                    action: action, token: token, minimumLength: minimum, error: "The two passwords differ."))
        }
        let context = context(request)
        let failure = await Self.refusal { () async throws(AuthError) in
            try await auth.resetPassword(token: token, newPassword: password, context: context)
        }
        switch failure?.code {
        case nil:
            return Self.page(
                AccountPages.outcome(
                    title: "Password changed",
                    message:
                        "Your password was changed and every device was signed out. Sign in with your new password.",
                    success: true))
        case .weakPassword?:
            return Self.page(
                AccountPages.resetPassword(
                    action: action, token: token, minimumLength: minimum, error: failure?.message))
        case .invalidToken?: return Self.page(AccountPages.invalidLink)
        default: throw failure ?? AuthError.notAuthenticatedError
        }
    }

    // MARK: Account management

    static func profileJSON(_ user: UserAccount) -> AuthHTTPResponse {
        JSONResponse.make(
            200,
            [
                "id": .string(user.id.rawValue), "email": .string(user.email),
                "name": user.name.map(JSONValue.string) ?? .null,
                "image": user.image.map(JSONValue.string) ?? .null,
            ])
    }

    private func profile(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        return Self.profileJSON(try await auth.profile(of: principal))
    }

    private func updateProfile(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        let user = try await auth.updateProfile(
            of: principal, name: try body.optionalString("name"), image: try body.optionalString("image"))
        return Self.profileJSON(user)
    }

    private func changePassword(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        try await auth.changePassword(
            of: principal, currentPassword: try body.string("current_password"),
            newPassword: try body.string("new_password"),
            context: context(request))
        return Self.message("Password changed successfully")
    }

    private func changeEmail(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request)
        if body.isEmpty { throw ValidationProblem.missing("body") }
        try await auth.changeEmail(
            of: principal, newEmail: try body.string("new_email"), password: try body.string("password"),
            context: context(request))
        return Self.message("Confirmation email sent to new address")
    }

    private func confirmEmailChange(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let body = try RequestBody.parse(request, allowForm: true)
        let token = try body.string("token")
        guard Self.isForm(request) else {
            try await auth.confirmEmailChange(token: token, context: context(request))
            return Self.message("Email changed successfully")
        }
        let context = context(request)
        let failure = await Self.refusal { () async throws(AuthError) in
            _ = try await auth.confirmEmailChange(token: token, context: context)
        }
        switch failure?.code {
        case nil:
            return Self.page(
                AccountPages.outcome(
                    title: "Email address changed", message: "Your account's email address has changed.", success: true)
            )
        case .invalidToken?: return Self.page(AccountPages.invalidLink)
        case .emailTaken?:
            return Self.page(
                AccountPages.outcome(
                    title: "Email address in use", message: "Another account uses this address now.", success: false))
        default: throw failure ?? AuthError.notAuthenticatedError
        }
    }

    private func deleteAccount(_ request: any AuthHTTPRequest) async throws -> AuthHTTPResponse {
        let principal = try await authentication.authenticate(request)
        let body = try RequestBody.parse(request)
        // An account without a password (made by a social sign-in) is deleted on a recent
        // sign-in instead; the others answer exactly as before.
        var password: String?
        if try await auth.hasPassword(principal) {
            if body.isEmpty { throw ValidationProblem.missing("body") }
            password = try body.string("password")
        }
        try await auth.deleteAccount(of: principal, password: password, context: context(request))
        return cookies.clearing(Self.message("Account deleted successfully"))
    }
}
