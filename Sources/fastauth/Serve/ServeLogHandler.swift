import Logging

/// `serve`'s log handler: swift-log's `StreamLogHandler` on standard output, but holding the
/// logger's metadata itself and formatting it only for a line that is written.
///
/// Vapor makes a logger for every request and sets its `request-id`; `StreamLogHandler`
/// re-formats its metadata string on every such change, so each request paid for formatting
/// metadata that, at the usual levels, no line ever prints.
struct ServeLogHandler: LogHandler {
    private var output: StreamLogHandler
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        self.init(StreamLogHandler.standardOutput(label: label), level: level)
    }

    /// A handler writing through `output` (tests pass a stream handler of their own).
    init(_ output: StreamLogHandler, level: Logger.Level) {
        self.output = output
        self.output.logLevel = level
    }

    var logLevel: Logger.Level {
        get { output.logLevel }
        set { output.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { output.metadataProvider }
        set { output.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        // Credentials never reach the log, whatever the level (Vapor's trace lines print
        // every request head, `Authorization` and `Cookie` included).
        let message = event.message.description
        let redacted = LogRedaction.redact(message)
        if redacted != message { event.message = Logger.Message(stringLiteral: redacted) }
        if let metadata = event.metadata, !metadata.isEmpty {
            event.metadata = metadata.mapValues { value in
                switch value {
                case .string(let text): .string(LogRedaction.redact(text))
                case .stringConvertible(let convertible):
                    LogRedaction.redact(convertible.description) == convertible.description
                        ? value : .string(LogRedaction.redact(convertible.description))
                default: value
                }
            }
        }
        output.log(event: event)
    }
}
