import ArgumentParser
import Foundation
import ParleyIdentity
import ParleyServer

/// Loads the settings or ends the process with the one-line reason (exit code 2).
enum SettingsLoader {
    static func load() async throws -> ParleySettings {
        do {
            return try await ParleySettings.load(identityVariables: IdentityEnvironment.variableNames)
        } catch let error as SettingsError {
            throw fail(error)
        }
    }

    /// Prints the one-line reason and gives the exit code for a bad setting.
    static func fail(_ error: SettingsError) -> ExitCode {
        FileHandle.standardError.write(Data("parley: configuration error: \(error)\n".utf8))
        return ExitCode(2)
    }
}
