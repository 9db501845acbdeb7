import Foundation

/// The projected service-account token, re-read as the kubelet rotates it.
///
/// Re-read when the cached copy is older than 5 minutes (.NET `FileContentsCache`, 2026) or its
/// `exp` is less than 2 minutes away, and on demand after AADSTS700024 (identity.md §11.3).
/// The kubelet rotates at 80 % of the token's lifetime (≥ 1 h), so a copy read ≤ 5 minutes ago
/// is valid for at least 7 more minutes.
actor FederatedTokenFile {
    static let maxAge: TimeInterval = 5 * 60
    static let minRemainingLifetime: TimeInterval = 2 * 60

    let path: String
    private let now: @Sendable () -> Date
    private var cached: (assertion: String, readAt: Date, claims: ProjectedTokenClaims?)?

    init(path: String, now: @escaping @Sendable () -> Date) {
        self.path = path
        self.now = now
    }

    /// The current assertion. `forceReread` ignores the cached copy.
    func assertion(forceReread: Bool = false) throws -> String {
        let time = now()
        if !forceReread, let cached, time.timeIntervalSince(cached.readAt) < Self.maxAge,
           cached.claims?.expiresAt.map({ $0.timeIntervalSince(time) >= Self.minRemainingLifetime }) ?? true {
            return cached.assertion
        }
        let assertion = try read()
        cached = (assertion, time, try? ProjectedTokenClaims(jwt: assertion))
        return assertion
    }

    /// Claims of the copy last read (for 70021 explanations and `parley doctor`).
    var claims: ProjectedTokenClaims? { cached?.claims }

    /// Reads the file without touching the cache (diagnostics).
    nonisolated func readNow() throws -> String {
        try Self.read(path: path)
    }

    private func read() throws -> String {
        try Self.read(path: path)
    }

    private static func read(path: String) throws -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileNoSuchFile {
            throw FileProblem(reason: "AZURE_FEDERATED_TOKEN_FILE '\(path)' does not exist. The workload-identity webhook mounts it into pods labelled azure.workload.identity/use: \"true\"; check that this container is not listed in azure.workload.identity/skip-containers and that the path was not changed by hand.")
        } catch let error as CocoaError where error.code == .fileReadNoPermission {
            throw FileProblem(reason: "AZURE_FEDERATED_TOKEN_FILE '\(path)' is not readable by this process (permission denied). Set the pod's securityContext.fsGroup (e.g. 65534) so the projected token is readable.")
        } catch {
            throw FileProblem(reason: "AZURE_FEDERATED_TOKEN_FILE '\(path)' could not be read: \(SecretScrubber.scrub(error.localizedDescription)).")
        }
        let assertion = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !assertion.isEmpty else {
            throw FileProblem(reason: "AZURE_FEDERATED_TOKEN_FILE '\(path)' is empty. It should hold the projected service-account token; check the projected volume (audience api://AzureADTokenExchange).")
        }
        return assertion
    }

    struct FileProblem: Error, Sendable {
        let reason: String
    }
}
