import Foundation

/// A bad setting: one line that names the variable and the fix. Never carries a secret's value.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }

    /// Writes the one line `parley` stops with (exit code 2) to standard error.
    public func writeToStandardError() {
        FileHandle.standardError.write(Data("parley: configuration error: \(self)\n".utf8))
    }
}
