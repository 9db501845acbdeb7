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
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(descriptor, pointer, length) == 0 else { return -1 }
                return getsockname(descriptor, pointer, &length)
            }
        }
        guard bound == 0 else { throw Failed() }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
