import Foundation
import Mustache

/// The mails FastAuth sends, as Mustache templates: a subject, a plain-text body (always) and an
/// HTML body per kind. The built-in templates can be overridden file by file from a directory:
/// `<kind>.subject.mustache`, `<kind>.text.mustache`, `<kind>.html.mustache` (an empty
/// `<kind>.html.mustache` sends text only).
///
/// Values every template gets: `name` (the user's name, else their email), `email`, `url` (the
/// link, when the mail has one), `expires_in_minutes`, `new_email` (email changes). In HTML
/// templates `{{url}}` is HTML-escaped; text templates use `{{{url}}}`.
public struct EmailTemplates: Sendable {
    /// The mails.
    public enum Kind: String, Sendable, CaseIterable {
        /// "Verify your email address", with the verification link.
        case verification
        /// "Reset your password", with the reset link.
        case passwordReset = "password_reset"
        /// "Your password was changed" (after a reset).
        case passwordChanged = "password_changed"
        /// "Confirm your new email address", to the new address, with the confirmation link.
        case emailChange = "email_change"
        /// "Your email address is being changed", to the old address.
        case emailChangeNotice = "email_change_notice"
    }

    /// A rendered mail.
    public struct Rendered: Sendable, Hashable {
        public var subject: String
        public var text: String
        public var html: String?
    }

    private let library: MustacheLibrary

    /// The built-in templates.
    public static let builtIn = EmailTemplates(library: Self.builtInLibrary())

    private init(library: MustacheLibrary) {
        self.library = library
    }

    /// The built-in templates, with the files of `directory` (when given) replacing them.
    /// Throws a ``ConfigurationError`` naming the file when a template does not parse or the
    /// directory cannot be read.
    public init(directory: String?) throws(ConfigurationError) {
        var library = Self.builtInLibrary()
        if let directory {
            let files: [String]
            do {
                files = try FileManager.default.contentsOfDirectory(atPath: directory)
            } catch {
                throw ConfigurationError(problems: [
                    "email templates directory \(directory) cannot be read: \(error.localizedDescription)"
                ])
            }
            var problems: [String] = []
            for file in files.sorted() where file.hasSuffix(".mustache") {
                let name = String(file.dropLast(".mustache".count))
                guard Self.templateNames.contains(name) else {
                    problems.append(
                        "email template \(file) is not one FastAuth sends (expected <kind>.subject|text|html.mustache with kind one of \(Kind.allCases.map(\.rawValue).joined(separator: ", ")))"
                    )
                    continue
                }
                guard let data = FileManager.default.contents(atPath: directory + "/" + file),
                    let text = String(data: data, encoding: .utf8)
                else {
                    problems.append("email template \(file) cannot be read as UTF-8")
                    continue
                }
                do {
                    try library.register(text, named: name)
                } catch {
                    problems.append("email template \(file) does not parse: \(error)")
                }
            }
            guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        }
        self.library = library
    }

    private static let templateNames = Set(
        Kind.allCases.flatMap { ["\($0.rawValue).subject", "\($0.rawValue).text", "\($0.rawValue).html"] })

    /// Renders `kind` with `values`. Throws when a template is missing or renders an empty
    /// subject or text.
    public func render(_ kind: Kind, values: [String: String]) throws(EmailDeliveryError) -> Rendered {
        guard let subject = library.render(values, withTemplate: "\(kind.rawValue).subject"),
            let text = library.render(values, withTemplate: "\(kind.rawValue).text")
        else { throw EmailDeliveryError(.permanent, "the \(kind.rawValue) email template is missing") }
        // A subject is one line: whatever a template or a value put in, CR/LF become spaces.
        var scalars = String.UnicodeScalarView()
        for scalar in subject.unicodeScalars { scalars.append(scalar == "\r" || scalar == "\n" ? " " : scalar) }
        let line = String(scalars).trimmingCharacters(in: .whitespaces)
        guard !line.isEmpty, !text.isEmpty else {
            throw EmailDeliveryError(
                .permanent, "the \(kind.rawValue) email template rendered an empty subject or text")
        }
        let html = library.render(values, withTemplate: "\(kind.rawValue).html")
        return Rendered(subject: line, text: text, html: html?.isEmpty == false ? html : nil)
    }

    /// `true` when `value` can go into a mail header as it is: printable, no CR or LF.
    public static func isSafeHeaderValue(_ value: String) -> Bool {
        !value.isEmpty && value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    private static func builtInLibrary() -> MustacheLibrary {
        var library = MustacheLibrary()
        for (name, text) in builtInSources {
            // The built-in templates parse (EmailTemplateTests renders every one).
            try? library.register(text, named: name)
        }
        return library
    }

    private static let htmlHead = """
        <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">\
        <title>{{subject}}</title></head>\
        <body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#f6f8fa;margin:0;padding:24px">\
        <div style="max-width:480px;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px">
        """
    private static let htmlFoot = """
        <p style="color:#59636e;font-size:13px">If you did not ask for this, you can ignore this email.</p></div></body></html>
        """
    private static func button(_ label: String) -> String {
        """
        <p><a href="{{url}}" style="display:inline-block;background:#1f6feb;color:#fff;text-decoration:none;padding:10px 16px;border-radius:6px">\(label)</a></p>\
        <p style="font-size:13px;color:#59636e">Or open this link: <br><a href="{{url}}" style="word-break:break-all">{{url}}</a></p>
        """
    }

    private static let builtInSources: [String: String] = [
        "verification.subject": "Verify your email address",
        "verification.text": """
        Hello {{{name}}},

        Confirm your email address by opening this link:

        {{{url}}}

        The link works for {{expires_in_minutes}} minutes. If you did not create an account, ignore this email.

        """,
        "verification.html": htmlHead + """
            <p>Hello {{name}},</p><p>Confirm your email address:</p>
            """ + button("Verify email address") + "<p>The link works for {{expires_in_minutes}} minutes.</p>"
            + htmlFoot,
        "password_reset.subject": "Reset your password",
        "password_reset.text": """
        Hello {{{name}}},

        Someone asked to reset the password of your account. To choose a new password, open this link:

        {{{url}}}

        The link works for {{expires_in_minutes}} minutes and only once. If you did not ask for this, ignore this email: your password stays as it is.

        """,
        "password_reset.html": htmlHead + """
            <p>Hello {{name}},</p><p>Someone asked to reset the password of your account.</p>
            """ + button("Choose a new password")
            + "<p>The link works for {{expires_in_minutes}} minutes and only once. Your password stays as it is unless you use it.</p>"
            + htmlFoot,
        "password_changed.subject": "Your password was changed",
        "password_changed.text": """
        Hello {{{name}}},

        The password of your account ({{{email}}}) was just changed, and every device was signed out.

        If this was not you, reset your password at once and contact support.

        """,
        "password_changed.html": htmlHead + """
            <p>Hello {{name}},</p><p>The password of your account ({{email}}) was just changed, and every device was signed out.</p>\
            <p>If this was not you, reset your password at once and contact support.</p></div></body></html>
            """,
        "email_change.subject": "Confirm your new email address",
        "email_change.text": """
        Hello {{{name}}},

        Confirm {{{new_email}}} as the new email address of your account by opening this link:

        {{{url}}}

        The link works for {{expires_in_minutes}} minutes. If you did not ask for this, ignore this email.

        """,
        "email_change.html": htmlHead + """
            <p>Hello {{name}},</p><p>Confirm <strong>{{new_email}}</strong> as the new email address of your account:</p>
            """ + button("Confirm new address") + "<p>The link works for {{expires_in_minutes}} minutes.</p>"
            + htmlFoot,
        "email_change_notice.subject": "Your email address is being changed",
        "email_change_notice.text": """
        Hello {{{name}}},

        Someone signed in to your account asked to change its email address from {{{email}}} to {{{new_email}}}. The change happens when the new address is confirmed.

        If this was not you, change your password at once and contact support.

        """,
        "email_change_notice.html": htmlHead + """
            <p>Hello {{name}},</p><p>Someone signed in to your account asked to change its email address from {{email}} to <strong>{{new_email}}</strong>. The change happens when the new address is confirmed.</p>\
            <p>If this was not you, change your password at once and contact support.</p></div></body></html>
            """,
    ]
}
