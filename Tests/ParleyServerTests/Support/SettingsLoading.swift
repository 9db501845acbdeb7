import Foundation
import ParleyServer

/// Loads settings the way `parley` does, from an environment and optionally a `.env` file with
/// the given contents (written to a temporary file that is removed afterwards).
enum SettingsLoading {
    static func load(
        _ environment: [String: String], dotEnv: String? = nil, identityVariables: [String]
    ) async throws -> ParleySettings {
        var path: String?
        if let dotEnv {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(UUID().uuidString).env")
            try dotEnv.write(to: file, atomically: true, encoding: .utf8)
            path = file.path
        }
        defer { if let path { try? FileManager.default.removeItem(atPath: path) } }
        return try await ParleySettings.load(environment: environment, dotEnvPath: path, identityVariables: identityVariables)
    }
}
