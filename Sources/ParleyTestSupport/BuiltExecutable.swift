import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Executables that `swift build --build-tests` put beside the test bundle, for the tests that run
/// `parley` as a process.
public enum BuiltExecutable {
    /// On Linux `Bundle.main` is the build directory itself; inside an `.xctest` bundle it is one level down.
    public static func url(_ name: String) -> URL {
        let here = Bundle.main.bundleURL
        let candidates = [here, here.deletingLastPathComponent()].map { $0.appendingPathComponent(name) }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }

    public static var parley: URL { url("parley") }
}

/// A loopback port nothing listens on now (the kernel picks it; it is released before use).
public enum FreePort {
    public struct Failed: Error {}

    public static func next() throws -> Int {
        let reserved = try ReservedPort()
        reserved.release()
        return reserved.port
    }
}
