import FastAuth
import FastAuthTesting
import Foundation
import Testing

/// The emailed links in a real browser (Tests/E2E/browser_accounts.py): `fastauth serve` mailing
/// through a real SMTP server (aiosmtpd), headless Chromium driven by Selenium.
enum BrowserE2E {
    static let required = ProcessInfo.processInfo.environment["FASTAUTH_REQUIRE_BROWSER"] == "1"
    static let installLine =
        "apt-get install chromium chromium-driver; python3 -m pip install selenium aiosmtpd"

    /// `true` when python3 imports Selenium and aiosmtpd and a chromedriver is on the PATH.
    static let available = E2EPython.succeeds(
        "import selenium, aiosmtpd, shutil, sys; sys.exit(0 if shutil.which('chromedriver') else 1)")

    static let enabled = available || required
    static let skipMessage = Comment(
        rawValue:
            "Chromium, chromedriver, Selenium or aiosmtpd not found (\(installLine)); FASTAUTH_REQUIRE_BROWSER=1 makes this a failure"
    )
}

@Suite("Emailed links in a real browser", .enabled(if: BrowserE2E.enabled, BrowserE2E.skipMessage))
struct BrowserTests {
    @Test("verify the email and reset the password through the mailed links in headless Chromium")
    func accountLinks() async throws {
        try #require(
            BrowserE2E.available,
            "FASTAUTH_REQUIRE_BROWSER=1 but the browser tooling is missing: \(BrowserE2E.installLine)")
        let binary = try #require(MultiInstanceTests.binary, "build the fastauth executable first (swift build)")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../E2E/browser_accounts.py").standardized.path
        var arguments = ["--fastauth", binary]
        if let directory = ProcessInfo.processInfo.environment["FASTAUTH_SCREENSHOTS_DIR"] {
            arguments += ["--screenshots", directory]
        }
        let run = try await E2EPython.run(script, arguments, needsPackages: false)
        let result = run.output
        let summary = result.jsonString
        #expect(result["error"] == nil, "\(summary)\n\(run.stderr)")
        #expect(result["register"] == 201 && result["request_verify"] == 200, "\(summary)")
        #expect(result["verify_mail"]?["subject"]?.stringValue == "Verify your email address", "\(summary)")
        #expect(result["verify_mail"]?["html_part"] == .bool(true), "\(summary)")
        #expect(result["verify_page_title"]?.stringValue == "Confirm your email address", "\(summary)")
        #expect(result["verified_before_click"] == .bool(false), "opening the link verified nothing: \(summary)")
        #expect(result["verify_done_heading"]?.stringValue == "Email address confirmed", "\(summary)")
        #expect(result["verified_after_click"] == .bool(true), "\(summary)")
        #expect(
            result["forgot"] == 200 && result["reset_mail_subject"]?.stringValue == "Reset your password", "\(summary)")
        #expect(result["reset_page_title"]?.stringValue == "Choose a new password", "\(summary)")
        #expect(result["reset_done_heading"]?.stringValue == "Password changed", "\(summary)")
        #expect(result["login_new_password"] == 200 && result["login_old_password"] == 401, "\(summary)")
        #expect(
            result["old_access_me"] == 401 && result["old_refresh"] == [401, 401],
            "old sessions must be dead: \(summary)")
        #expect(result["exit_code"] == 0, "\(summary)")
    }
}
