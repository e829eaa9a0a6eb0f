import ArgumentParser
import FastAuth
import Foundation

/// The `fastauth` command-line tool.
@main
struct FastAuthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fastauth",
        abstract: "Token authentication for Swift servers: secrets, keys, tokens and the auth server.",
        version: FastAuthVersion.string,
        subcommands: [
            VersionCommand.self, GenerateSecretCommand.self, GenerateKeysCommand.self, TokenCommand.self,
            ServeCommand.self, MigrateCommand.self, KeysCommand.self, UsersCommand.self, RolesCommand.self,
            ProvidersCommand.self,
        ]
    )

    /// Parses and runs. A command line that does not parse gets ArgumentParser's own report —
    /// the problem, the usage line and the `--help` hint — and exit status 64; `--help` and
    /// `--version` print as usual. A failure while running prints `fastauth: error: …` (every
    /// line of it: a configuration error lists each problem) to standard error and exits non-zero.
    static func main() async {
        var command: any ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if !(error is ExitCode) {
                writeError(errorReport(message(for: error)))
            }
            Foundation.exit(code.rawValue)
        }
    }

    /// `fastauth: error: <first line>`, later lines indented under it.
    static func errorReport(_ message: String) -> String {
        let lines = message.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let first = lines.first else { return "fastauth: error" }
        return
            (["fastauth: error: " + first] + lines.dropFirst().map { "  " + $0.trimmingCharacters(in: .whitespaces) })
            .joined(separator: "\n")
    }
}

/// Writes a line to standard error.
func writeError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
