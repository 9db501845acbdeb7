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
            FileHandle.standardError.write(Data("parley: configuration error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
