/// The small server-rendered pages of the emailed links: confirm the email address, choose a
/// new password, confirm an email change. Plain HTML and CSS — no script — with every value
/// escaped; a link scanner that opens them (GET or HEAD) changes nothing, because only the
/// page's form, posted by a person, uses the token.
public enum AccountPages {
    /// The headers every page is sent with: tokens are in the URL, so no referrer leaves the
    /// page, nothing may frame it, no script runs, and forms post only to this origin.
    public static let securityHeaders: [(name: String, value: String)] = [
        (
            "Content-Security-Policy",
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
        ),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Content-Type-Options", "nosniff"),
        ("Cache-Control", "no-store"),
    ]

    /// A rendered page and the status it is sent with.
    public struct Page: Sendable, Hashable {
        public let status: Int
        public let html: String
    }

    /// The email-verification confirm page (`GET <prefix>/verify-email?token=`).
    public static func confirmEmail(action: String, token: String) -> Page {
        Page(
            status: 200,
            html: document(
                title: "Confirm your email address",
                body: """
                    <h1>Confirm your email address</h1>
                    <p>Press the button to confirm that this email address is yours.</p>
                    <form method="post" action="\(escape(action))">
                    <input type="hidden" name="token" value="\(escape(token))">
                    <button type="submit">Confirm email address</button>
                    </form>
                    """))
    }

    /// The email-change confirm page (`GET <prefix>/account/confirm-email-change?token=`).
    public static func confirmEmailChange(action: String, token: String) -> Page {
        Page(
            status: 200,
            html: document(
                title: "Confirm your new email address",
                body: """
                    <h1>Confirm your new email address</h1>
                    <p>Press the button to make this address the email address of your account.</p>
                    <form method="post" action="\(escape(action))">
                    <input type="hidden" name="token" value="\(escape(token))">
                    <button type="submit">Confirm new address</button>
                    </form>
                    """))
    }

    /// The new-password form (`GET <prefix>/reset-password?token=`), with an error from a
    /// previous attempt (weak password, passwords that differ) when there was one.
    public static func resetPassword(action: String, token: String, minimumLength: Int, error: String? = nil) -> Page {
        let problem = error.map { #"<p class="error" role="alert">\#(escape($0))</p>"# } ?? ""
        return Page(
            status: error == nil ? 200 : 400,
            html: document(
                title: "Choose a new password",
                body: """
                    <h1>Choose a new password</h1>
                    \(problem)
                    <form method="post" action="\(escape(action))">
                    <input type="hidden" name="token" value="\(escape(token))">
                    <label for="new_password">New password</label>
                    <input id="new_password" name="new_password" type="password" autocomplete="new-password" minlength="\(minimumLength)" required>
                    <label for="confirm_password">Repeat the new password</label>
                    <input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" minlength="\(minimumLength)" required>
                    <button type="submit">Set new password</button>
                    </form>
                    """))
    }

    /// The outcome of a form: done (200) or refused (400), in a sentence or two.
    public static func outcome(title: String, message: String, success: Bool) -> Page {
        Page(
            status: success ? 200 : 400,
            html: document(
                title: title,
                body: """
                    <h1>\(escape(title))</h1>
                    <p\(success ? "" : #" class="error" role="alert""#)>\(escape(message))</p>
                    """))
    }

    /// The page for a link that is unknown, used or expired.
    public static let invalidLink = outcome(
        title: "This link cannot be used",
        message: "The link is invalid, has already been used, or has expired. Ask for a new one.", success: false)

    /// HTML-escapes text for element content and quoted attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="referrer" content="no-referrer">
        <title>\(escape(title))</title>
        <style>
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f6f8fa;color:#1f2328;margin:0;padding:48px 16px}
        main{max-width:400px;margin:0 auto;background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:24px 28px}
        h1{font-size:1.35rem;margin:0 0 12px}
        p{line-height:1.5}
        label{display:block;font-weight:600;margin:16px 0 6px}
        input[type=password]{box-sizing:border-box;width:100%;padding:9px 10px;border:1px solid #8c959f;border-radius:6px;font-size:1rem}
        input:focus,button:focus{outline:3px solid #0969da;outline-offset:1px}
        button{margin-top:20px;width:100%;padding:10px 14px;border:0;border-radius:6px;background:#1f6feb;color:#fff;font-size:1rem;font-weight:600;cursor:pointer}
        .error{color:#b42318;background:#fef3f2;border:1px solid #fda29b;border-radius:6px;padding:8px 10px}
        </style>
        </head>
        <body>
        <main>
        \(body)
        </main>
        </body>
        </html>

        """
    }
}
