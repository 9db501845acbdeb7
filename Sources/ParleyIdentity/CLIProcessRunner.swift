import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a developer CLI (`az`, `azd`) with argv and no shell, the environment it was given
/// (the whole process environment, as azure-identity passes `os.environ`: `AZURE_CONFIG_DIR`,
/// proxy and CA variables matter to `az`), stdin closed and a hard timeout (identity.md §4:
/// Python and Go use 10 s).
///
/// The CLI runs in a process group of its own, and on timeout or cancellation the whole group is
/// killed: on Debian/Ubuntu `az` is a shell script that starts python, and killing only the script
/// left python holding the output pipe, so every caller hung until it exited.
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

    /// What a credential says of its CLI when the CLI cannot answer at all.
    struct Tool: Sendable {
        /// The executable looked up on PATH: `az`, `azd`.
        let executable: String
        /// "the Azure CLI (az)"
        let title: String
        /// The command line a person runs to see the same thing: "az account get-access-token".
        let command: String
        /// How a person signs in: "az login".
        let login: String
        /// The CLI's option that names a tenant: "--tenant".
        let tenantOption: String
    }

    let environment: [String: String]
    let timeout: Duration

    /// A CLI token answer is a few kilobytes; output past this is dropped, not buffered.
    static let maxOutputBytes = 1 << 20

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

    /// Runs `tool` for `credential` with `arguments` (plus the tenant option when `tenantID` is set).
    /// A CLI that is missing, does not finish or cannot start makes the credential unavailable, so a
    /// chain goes on; a tenant or scope that is not safe on a command line stops it.
    func run(_ tool: Tool, for credential: String, arguments: [String], tenantID: String?,
             extraEnvironment: [String: String]) async throws -> Output {
        var arguments = arguments
        if let tenantID {
            guard Scopes.isSafeForCommandLine(tenant: tenantID) else {
                throw AuthenticationFailedError(credential: credential, reason: "the tenant ID contains characters that are not allowed; use a GUID or a domain name.")
            }
            arguments += [tool.tenantOption, tenantID]
        }
        do {
            return try await run(tool.executable, arguments: arguments, extraEnvironment: extraEnvironment)
        } catch Failure.notFound {
            throw CredentialUnavailableError(credential: credential, reason: "\(tool.title) is not on PATH; install it and run `\(tool.login)`, or use another credential.")
        } catch Failure.timedOut {
            throw CredentialUnavailableError(credential: credential, reason: "`\(tool.command)` did not finish within \(timeout.secondsText) s; run it yourself to see what it waits for.")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            let name = tool.title.split(separator: " (").first.map(String.init) ?? tool.title
            throw CredentialUnavailableError(credential: credential, reason: "\(name) could not be started (\(SecretScrubber.scrub("\(error)"))).")
        }
    }

    func run(_ name: String, arguments: [String], extraEnvironment: [String: String]) async throws -> Output {
        guard let executable = locate(name) else { throw Failure.notFound }
        let environment = environment.merging(extraEnvironment) { $1 }
        let group = ProcessGroupHandle()
        let deadline = ContinuousClock.now + timeout
        // Blocking waits run on a thread of their own, not on the cooperative pool or Dispatch's
        // shared pool: with two cores a blocked pool delayed the timeout by a second (measured).
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(with: Result {
                        try Self.spawnAndCollect(executable: executable, arguments: arguments,
                                                 environment: environment, deadline: deadline, group: group)
                    })
                }
            }
        } onCancel: {
            group.cancel()
        }
    }

    /// Starts the CLI as the leader of a new process group, reads both pipes until EOF, and kills
    /// the group at the deadline or on cancellation (then stops reading at once).
    private static func spawnAndCollect(executable: String, arguments: [String], environment: [String: String],
                                        deadline: ContinuousClock.Instant, group: ProcessGroupHandle) throws -> Output {
        let stdout = try PipePair(), stderr = try PipePair()
        defer {
            stdout.closeAll()
            stderr.closeAll()
        }
        let pid = try spawn(executable: executable, arguments: arguments, environment: environment,
                            stdout: stdout.write, stderr: stderr.write)
        // Our copies of the write ends: closed now, so EOF comes once every holder has exited.
        stdout.closeWrite()
        stderr.closeWrite()
        group.started(pid)

        var outputData = [UInt8](), errorData = [UInt8]()
        var open: [(fd: Int32, isOutput: Bool)] = [(stdout.read, true), (stderr.read, false)]
        var stopped: Failure? = nil
        var cancelled = false
        while !open.isEmpty {
            if group.isCancelled { cancelled = true; break }
            let remaining = ContinuousClock.now.duration(to: deadline)
            if remaining <= .zero { stopped = .timedOut; break }
            // Short slices so a cancellation is noticed within 50 ms even without output.
            let slice = Int32(min(50, max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000)))
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), slice)
            if ready < 0 {
                if errno == EINTR { continue }
                stopped = .couldNotStart("poll failed (errno \(errno))")
                break
            }
            var finished: Set<Int32> = []
            for entry in fds where entry.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 16 * 1024)
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    let isOutput = open.first { $0.fd == entry.fd }?.isOutput ?? false
                    if isOutput {
                        if outputData.count < maxOutputBytes { outputData += buffer.prefix(count) }
                    } else if errorData.count < maxOutputBytes {
                        errorData += buffer.prefix(count)
                    }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    finished.insert(entry.fd)
                }
            }
            open.removeAll { finished.contains($0.fd) }
        }
        var status: Int32 = 0
        // Both pipes are closed, but the CLI itself may still run: wait for it within the same
        // deadline, without blocking, so a CLI that closed its output cannot park us either.
        while !cancelled && stopped == nil {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { break }
            if group.isCancelled { cancelled = true; break }
            if ContinuousClock.now >= deadline { stopped = .timedOut; break }
            usleep(10_000)
        }
        if cancelled || stopped != nil {
            // The whole group: the script and whatever it started (python, a `sleep &`).
            kill(-pid, SIGKILL)
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
        group.finished()
        if cancelled { throw CancellationError() }
        if let stopped { throw stopped }
        return Output(exitCode: exitCode(status),
                      stdout: String(decoding: outputData, as: UTF8.self),
                      stderr: String(decoding: errorData, as: UTF8.self))
    }

    /// posix_spawn with POSIX_SPAWN_SETPGROUP (a new group led by the child), an empty signal mask
    /// and default dispositions (a child of a Dispatch thread may otherwise inherit a mask that
    /// blocks signals), stdin from /dev/null and the working directory `/bin`, as azure-identity
    /// uses: nothing in the app's directory is consulted.
    private static func spawn(executable: String, arguments: [String], environment: [String: String],
                              stdout: Int32, stderr: Int32) throws -> pid_t {
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #else
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        // Nothing else of ours reaches the CLI: not our sockets, and not a file another thread has
        // open for writing (a `sleep &` holding it made exec of that file fail with ETXTBSY).
        closeFrom3(&actions)
        let directory = FileManager.default.fileExists(atPath: "/bin") ? "/bin" : "/"
        guard addChdir(&actions, directory) else {
            throw Failure.couldNotStart("this C library cannot set a child's working directory (posix_spawn_file_actions_addchdir_np)")
        }
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        sigdelset(&allSignals, SIGKILL)
        sigdelset(&allSignals, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // ETXTBSY: somebody still holds the file open for writing — a package manager replacing
        // `az`, or a process forked while the file was being written and not yet exec'd (seen in
        // CI with freshly written fake CLIs). It passes within milliseconds, so it is retried for
        // up to a second (this runs on a thread of its own) rather than reported as "cannot start".
        var waited = 0
        while result == ETXTBSY && waited < 1_000 {
            usleep(20_000)
            waited += 20
            result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        guard result == 0 else {
            throw Failure.couldNotStart(String(cString: strerror(result)))
        }
        return pid
    }

    /// glibc ≥ 2.29 and macOS have `posix_spawn_file_actions_addchdir_np`, but Swift's Glibc module
    /// does not declare it (it needs _GNU_SOURCE), so it is looked up at run time.
    private static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ directory: String) -> Bool {
        #if canImport(Darwin)
        return posix_spawn_file_actions_addchdir_np(actions, directory) == 0
        #else
        typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addchdir_np") else { return false }
        return unsafeBitCast(symbol, to: AddChdir.self)(actions, directory) == 0
        #endif
    }

    /// Closes every descriptor from 3 up in the child: `posix_spawn_file_actions_addclosefrom_np`
    /// (glibc ≥ 2.34, looked up at run time like `addChdir`), else each descriptor open now.
    private static func closeFrom3(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>) {
        #if !canImport(Darwin)
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        if let symbol = dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np"),
           unsafeBitCast(symbol, to: AddCloseFrom.self)(actions, 3) == 0 {
            return
        }
        #endif
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd >= 3 && fcntl(fd, F_GETFD) >= 0 {
            if fcntl(fd, F_GETFD) & FD_CLOEXEC == 0 { posix_spawn_file_actions_addclose(actions, fd) }
        }
    }

    private static func exitCode(_ status: Int32) -> Int32 {
        let signal = status & 0x7f
        // Killed by a signal: report it as a shell would (128 + signal).
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// The read and write ends of one pipe, close-on-exec so no other child inherits them.
private final class PipePair {
    private(set) var read: Int32 = -1
    private(set) var write: Int32 = -1

    init() throws {
        var fds: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is not declared by Swift's Glibc module; the flag is set right after.
        guard pipe(&fds) == 0 else { throw CLIProcessRunner.Failure.couldNotStart("pipe failed (errno \(errno))") }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        read = fds[0]
        write = fds[1]
    }

    func closeWrite() {
        if write >= 0 { close(write) }
        write = -1
    }

    func closeAll() {
        closeWrite()
        if read >= 0 { close(read) }
        read = -1
    }
}

/// The running child's process group, shared between the reading thread and a cancellation
/// handler that may run on any thread.
private final class ProcessGroupHandle: Sendable {
    private struct State {
        var pid: pid_t?
        var cancelled = false
    }

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func started(_ pid: pid_t) {
        let killNow = state.withLock { state -> Bool in
            state.pid = pid
            return state.cancelled
        }
        if killNow { kill(-pid, SIGKILL) }
    }

    /// Kills the group at once; the reading thread notices within one poll slice.
    func cancel() {
        let pid = state.withLock { state -> pid_t? in
            state.cancelled = true
            return state.pid
        }
        if let pid { kill(-pid, SIGKILL) }
    }

    /// After `waitpid`: the pid may be reused, so it is never signalled again.
    func finished() {
        state.withLock { $0.pid = nil }
    }
}
