import Foundation
import Logging

/// One JSON object per line on standard error (`LOG_FORMAT=json`), for log collectors in a cluster.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Self.timestamp(),
            "level": event.level.rawValue,
            "logger": label,
            "message": event.message.description,
        ]
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        for (key, value) in all where object[key] == nil {
            object[key] = value.description
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(object) else { return }
        line.append(UInt8(ascii: "\n"))
        // The throwing write: FileHandle's plain `write(_:)` traps when the descriptor is closed or its
        // reader is gone (swift-corelibs-foundation, 2026), and a lost log line must never stop the server.
        try? FileHandle.standardError.write(contentsOf: line)
    }

    private static func timestamp() -> String {
        Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
    }
}
