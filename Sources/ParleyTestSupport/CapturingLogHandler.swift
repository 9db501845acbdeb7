import Logging
import Foundation

/// A swift-log handler that keeps every rendered line in memory, so tests can assert that no
/// token, key, assertion or question ever reached a log.
public final class LogCapture: @unchecked Sendable {
    // Guarded by `lock`; LogHandlers are called from any thread.
    private let lock = NSLock()
    private var storage: [String] = []

    public init() {}

    /// Every line logged so far: level, message and metadata, rendered as text.
    public var lines: [String] {
        lock.withLock { storage }
    }

    /// A logger whose output lands here.
    public func logger(label: String = "test", level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: label) { label in CapturingLogHandler(label: label, capture: self) }
        logger.logLevel = level
        return logger
    }

    /// The lines that contain `needle` (use it with a secret: the result must be empty).
    public func lines(containing needle: String) -> [String] {
        lines.filter { $0.contains(needle) }
    }

    fileprivate func append(_ line: String) {
        lock.withLock { storage.append(line) }
    }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let capture: LogCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        if let extra = event.metadata { all.merge(extra) { $1 } }
        let rendered = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        capture.append("\(event.level) \(label): \(event.message) \(rendered)")
    }
}
