import Foundation

/// Runs a developer CLI (`az`, `azd`) with argv and no shell, an environment that was passed in,
/// stdin closed and a hard timeout (identity.md §4: Python and Go use 10 s).
struct CLIProcessRunner: Sendable {
    struct Output: Sendable {
        var exitCode: Int32
        var stdout: String
        var stderr: String
    }

    enum Failure: Error, Sendable {
        case notFound
        case timedOut
        case couldNotStart(String)
    }

    let environment: [String: String]
    let timeout: Duration

    /// The first executable called `name` on the environment's PATH (never the working
    /// directory: a malicious `az` next to the app must not be picked up).
    func locate(_ name: String) -> String? {
        let path = environment[IdentityEnvironment.path] ?? ""
        for directory in path.split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/\(name)"
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    func run(_ name: String, arguments: [String], extraEnvironment: [String: String]) async throws -> Output {
        guard let executable = locate(name) else { throw Failure.notFound }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment.merging(extraEnvironment) { $1 }
        // A fixed directory, as azure-identity uses: nothing in the app's directory is consulted.
        process.currentDirectoryURL = URL(fileURLWithPath: FileManager.default.fileExists(atPath: "/bin") ? "/bin" : "/")
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        let timedOut = ProbeMemory()
        let seconds = Double(timeout.nanoseconds) / 1e9

        // Blocking reads run on threads of their own, not on Dispatch's shared pool: with two
        // cores a blocked pool delayed the timeout timer by a second (measured).
        return try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    try process.run()
                } catch {
                    continuation.resume(throwing: Failure.couldNotStart("\(error)"))
                    return
                }
                // Our copies of the write ends: closed now, so EOF comes as soon as the child exits.
                try? stdout.fileHandleForWriting.close()
                try? stderr.fileHandleForWriting.close()
                let killer = DispatchWorkItem {
                    guard process.isRunning else { return }
                    timedOut.value = true
                    // SIGKILL, as Python's subprocess timeout does: children spawned from
                    // Dispatch threads may inherit a mask that blocks SIGTERM.
                    kill(process.processIdentifier, SIGKILL)
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: killer)
                // Drain both pipes concurrently so a chatty CLI cannot block on a full pipe.
                let group = DispatchGroup()
                let errorData = DataBox()
                group.enter()
                Thread.detachNewThread {
                    errorData.value = stderr.fileHandleForReading.readDataToEndOfFile()
                    group.leave()
                }
                let outputData = stdout.fileHandleForReading.readDataToEndOfFile()
                group.wait()
                process.waitUntilExit()
                killer.cancel()
                if timedOut.value {
                    continuation.resume(throwing: Failure.timedOut)
                } else {
                    continuation.resume(returning: Output(
                        exitCode: process.terminationStatus,
                        stdout: String(decoding: outputData, as: UTF8.self),
                        stderr: String(decoding: errorData.value, as: UTF8.self)))
                }
            }
        }
    }
}

/// Data handed from a reader thread to the waiting one (ordered by the DispatchGroup).
private final class DataBox: @unchecked Sendable {
    var value = Data()
}
