import Logging

/// Sets up swift-log once per process from LOG_FORMAT and LOG_LEVEL.
public enum ParleyLogging {
    public static func bootstrap(format: ParleySettings.LogFormat, level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler =
                switch format {
                case .json: JSONLogHandler(label: label)
                case .text: StreamLogHandler.standardError(label: label)
                }
            handler.logLevel = level
            return handler
        }
    }
}
