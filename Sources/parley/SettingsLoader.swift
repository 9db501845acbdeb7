import ArgumentParser
import ParleyServer

/// Loads the settings or ends the process with the one-line reason (exit code 2).
enum SettingsLoader {
    static func load() async throws -> ParleySettings {
        do {
            return try await ParleySettings.load()
        } catch let error as SettingsError {
            throw fail(error)
        }
    }

    /// Prints the one-line reason and gives the exit code for a bad setting.
    static func fail(_ error: SettingsError) -> ExitCode {
        error.writeToStandardError()
        return ExitCode(2)
    }
}
