import Foundation
import Logging
import ShapeWire

/// `--log-format json`: one JSON object per line on stderr, metadata as fields.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String

    public init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields: [(String, String)] = [
            ("time", JSONText.quoted(ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds]))),
            ("level", JSONText.quoted(event.level.rawValue)),
            ("label", JSONText.quoted(label)),
            ("message", JSONText.quoted(event.message.description)),
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            fields.append((key, JSONText.quoted(value.description)))
        }
        FileHandle.standardError.write(Data((JSONText.object(fields) + "\n").utf8))
    }
}
