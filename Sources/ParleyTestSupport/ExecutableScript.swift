import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes shell scripts that tests then run as fake tools (`az`, `azd`).
///
/// Why not `String.write(to:atomically:)`: Foundation writes through a `mkstemp` descriptor without
/// close-on-exec, so a process another test spawns at that moment (a `Process` running `parley` for
/// seconds) inherits it, and until that child exits every `exec` of the script fails with ETXTBSY
/// ("Text file busy") — seen in CI as a doctor test whose fake `az` could not start (2026-11-29).
/// Here the descriptor is opened with `O_CLOEXEC`, so no child keeps it past its own `exec`.
public enum ExecutableScript {
    public struct WriteError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Creates or replaces `url` with `script`, mode 0755.
    public static func write(_ script: String, to url: URL) throws {
        let path = url.path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw WriteError(description: "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var remaining = Array(script.utf8)[...]
        while !remaining.isEmpty {
            let written = remaining.withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            remaining = remaining.dropFirst(written)
        }
        // O_CREAT's mode only applies to a new file, and the umask narrows it.
        guard fchmod(fd, 0o755) == 0 else {
            throw WriteError(description: "cannot make \(path) executable: \(String(cString: strerror(errno)))")
        }
    }
}

/// The C library's `write`, which the static `write` above would otherwise shadow.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(fd, bytes, count)
}
