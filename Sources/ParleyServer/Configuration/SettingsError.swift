/// A bad setting: one line that names the variable and the fix. Never carries a secret's value.
public struct SettingsError: Error, CustomStringConvertible, Equatable {
    public let variable: String
    public let problem: String

    public init(_ variable: String, _ problem: String) {
        self.variable = variable
        self.problem = problem
    }

    public var description: String { "\(variable): \(problem)" }
}
