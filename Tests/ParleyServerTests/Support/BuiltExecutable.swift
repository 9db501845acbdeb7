import Foundation

/// Executables that `swift build --build-tests` put beside the test bundle.
enum BuiltExecutable {
    /// On Linux `Bundle.main` is the build directory itself; inside an `.xctest` bundle it is one level down.
    static func url(_ name: String) -> URL {
        let here = Bundle.main.bundleURL
        let candidates = [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    static var parley: URL { url("parley") }
}
