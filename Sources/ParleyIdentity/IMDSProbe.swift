import AsyncHTTPClient
import Foundation
import ParleyOutbound

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The default chain's check that an IMDS endpoint exists, as azure-identity 1.27 and Go
/// azidentity do it (identity.md §3.5, 2026): the token request *without* the `Metadata` header,
/// limited only in how long the connection may take (1 s), no retries. Any HTTP answer means
/// IMDS is there (it answers such a request at once with a 400, without fetching a token), except
/// Docker Desktop's 403 "…unreachable…". Only the connection is timed, so a busy IMDS that is
/// slow to answer is still found; the answer itself gets the normal per-attempt limit.
struct IMDSProbe {
    let http: TokenHTTP
    let connectTimeout: Duration
    let answerTimeout: Duration

    /// Nil when IMDS answered; otherwise why it counts as absent.
    func absenceReason(url: String, host: String) async -> String? {
        guard let components = URLComponents(string: url), let name = components.host else {
            return "the IMDS address \(host) is not a URL."
        }
        let port = components.port ?? (components.scheme == "https" ? 443 : 80)
        if let problem = await Self.connect(host: name, port: port, timeout: connectTimeout) {
            return "no managed identity endpoint answered at \(host) within \(connectTimeout.secondsText) s (\(problem)); this is not an Azure VM, or IMDS is blocked."
        }
        let reply: TokenHTTP.Reply
        do {
            reply = try await http.send(what: "IMDS probe", timeout: answerTimeout, policy: .none) {
                var request = HTTPClientRequest(url: url)
                request.headers.add(name: "User-Agent", value: IdentityEnvironment.userAgent)
                return request
            }
        } catch {
            return "no managed identity endpoint answered at \(host) (\(Self.describe(error)))."
        }
        let body = String(decoding: reply.body.prefix(512), as: UTF8.self)
        if reply.status == 403 && body.localizedCaseInsensitiveContains("unreachable") {
            return "\(host) answered HTTP 403 saying the network is unreachable (a Docker Desktop proxy, not IMDS)."
        }
        return nil
    }

    private static func describe(_ error: any Error) -> String {
        (error as? TokenHTTP.TransportError)?.underlying ?? SecretScrubber.scrub("\(error)")
    }

    /// A TCP connection to `host:port` within `timeout`, on a thread of its own (a blocked
    /// cooperative thread would stall other tasks on a two-core machine). Nil on success.
    static func connect(host: String, port: Int, timeout: Duration) async -> String? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: connectBlocking(host: host, port: port, timeout: timeout))
            }
        }
    }

    private static func connectBlocking(host: String, port: Int, timeout: Duration) -> String? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        var list: UnsafeMutablePointer<addrinfo>?
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard getaddrinfo(bare, String(port), &hints, &list) == 0, let first = list else {
            return "cannot resolve \(host)"
        }
        defer { freeaddrinfo(list) }
        // Every address in turn ("localhost" may be ::1 first while the endpoint listens on
        // 127.0.0.1), all within the one limit.
        let deadline = ContinuousClock.now + timeout
        var problem = "no address"
        var next: UnsafeMutablePointer<addrinfo>? = first
        while let address = next {
            next = address.pointee.ai_next
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return "connection timed out" }
            guard let failure = attempt(address.pointee, timeout: left) else { return nil }
            problem = failure
        }
        return problem
    }

    private static func attempt(_ address: addrinfo, timeout: Duration) -> String? {
        let fd = socket(address.ai_family, address.ai_socktype, address.ai_protocol)
        guard fd >= 0 else { return "no socket (errno \(errno))" }
        defer { close(fd) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        if socketConnect(fd, address.ai_addr, address.ai_addrlen) == 0 { return nil }
        guard errno == EINPROGRESS else { return errno == ECONNREFUSED ? "connection refused" : "connect failed (errno \(errno))" }
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let ready = poll(&entry, 1, max(1, milliseconds))
        guard ready > 0 else { return "connection timed out" }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error == 0 { return nil }
        return error == ECONNREFUSED ? "connection refused" : "connect failed (errno \(error))"
    }
}

/// `connect` is shadowed inside `IMDSProbe` by its own static method.
@inline(__always)
private func socketConnect(_ fd: Int32, _ address: UnsafeMutablePointer<sockaddr>!, _ length: socklen_t) -> Int32 {
    connect(fd, address, length)
}
