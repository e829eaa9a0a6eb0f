import ArgumentParser
import FastAuth

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the FastAuth version.")

    func run() {
        print("fastauth \(FastAuthVersion.string)")
    }
}
