import AsyncHTTPClient
import ParleyOutbound
import Foundation
import Logging
import Synchronization

/// The default credential chain: environment → workload identity → managed identity → Azure CLI
/// → Azure Developer CLI, as azure-identity orders it (1.27.0, 2026; identity.md §6), filtered by
/// `AZURE_TOKEN_CREDENTIALS`.
///
/// "Unavailable" moves on, "authentication failed" stops; the credential that worked is
/// remembered and used alone afterwards; when nothing works one error lists every attempt.
///
/// Kubernetes decision (identity.md §3.7, §11.6): inside a pod (`KUBERNETES_SERVICE_HOST` set)
/// the managed-identity member is *skipped* unless it was chosen on purpose. From a pod, IMDS
/// answers for the node (the kubelet identity or whatever is assigned to the scale set), so
/// falling through to it when workload identity is missing or partial silently authenticates as
/// the wrong principal; the chain instead ends with an error that names the missing pod label or
/// service-account annotation. Managed identity is still used in a pod when
/// `AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential` selects it, or when
/// `AZURE_POD_IDENTITY_AUTHORITY_HOST` points at a pod-level IMDS (aad-pod-identity's NMI), or
/// when `IDENTITY_ENDPOINT`/`IDENTITY_HEADER` are set. `AZURE_CLIENT_ID` alone does not opt in,
/// because the workload-identity webhook (and Parley's manifests) set it for workload identity.
public struct DefaultAzureCredential: TokenCredential {
    public let name = "DefaultAzureCredential"
    /// What `AZURE_TOKEN_CREDENTIALS` selected.
    public let selection: CredentialSelection
    /// The chain's members in the order they are tried (skipped members included).
    public let credentials: [any TokenCredential]
    /// Workload-identity settings as read, for diagnostics.
    public let workloadIdentity: WorkloadIdentityConfiguration
    /// What each member will do before anything is tried, for `parley doctor`.
    public let plan: [PlannedCredential]
    private let state = ChainState()
    private let logger: Logger

    /// - Throws: `IdentityConfigurationError` for an invalid `AZURE_TOKEN_CREDENTIALS` or
    ///   `AZURE_AUTHORITY_HOST`: one line naming the variable and what is allowed.
    public init(environment: [String: String], httpClient: OutboundHTTPClient, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }, options: IdentityOptions = .init()) throws {
        let selection = try CredentialSelection(environment: environment)
        let workloadIdentity = try WorkloadIdentityConfiguration(environment: environment)
        self.selection = selection
        self.workloadIdentity = workloadIdentity
        self.logger = logger
        var credentials: [any TokenCredential] = []
        var plan: [PlannedCredential] = []
        for kind in selection.kinds {
            switch kind {
            case .environment:
                let credential = try EnvironmentCredential(environment: environment, httpClient: httpClient, logger: logger, options: options, now: now)
                credentials.append(credential)
                plan.append(PlannedCredential(name: kind.rawValue, configured: credential.unavailableReason == nil,
                                              detail: credential.unavailableReason ?? credential.configuredDetail))
            case .workloadIdentity:
                credentials.append(WorkloadIdentityCredential(configuration: workloadIdentity, httpClient: httpClient, logger: logger, options: options, now: now))
                plan.append(PlannedCredential(name: kind.rawValue, configured: workloadIdentity.isComplete,
                                              detail: workloadIdentity.unavailableReason ?? "projected token \(workloadIdentity.tokenFilePath ?? "") exchanged at \(workloadIdentity.authorityHost)"))
            case .managedIdentity:
                let managed = ManagedIdentityCredential(environment: environment, httpClient: httpClient, logger: logger, options: options,
                                                        now: now, probeFirst: !selection.isSingle)
                if let reason = Self.managedIdentitySkipReason(environment: environment, selection: selection, workloadIdentity: workloadIdentity) {
                    credentials.append(SkippedCredential(name: kind.rawValue, reason: reason))
                    plan.append(PlannedCredential(name: kind.rawValue, configured: false, detail: reason))
                } else {
                    credentials.append(managed)
                    plan.append(PlannedCredential(name: kind.rawValue, configured: true, endpoint: managed.source.endpoint,
                                                  detail: "\(managed.source)\(managed.clientID.map { " for client ID \($0)" } ?? " (system-assigned)")"))
                }
            case .azureCli:
                let onPath = CLIProcessRunner(environment: environment, timeout: options.processTimeout).locate("az")
                credentials.append(AzureCliCredential(environment: environment, logger: logger, options: options, withinChain: !selection.isSingle))
                plan.append(PlannedCredential(name: kind.rawValue, configured: onPath != nil,
                                              detail: onPath.map { "az at \($0)" } ?? "az is not on PATH"))
            case .azureDeveloperCli:
                let onPath = CLIProcessRunner(environment: environment, timeout: options.processTimeout).locate("azd")
                credentials.append(AzureDeveloperCliCredential(environment: environment, logger: logger, options: options, withinChain: !selection.isSingle))
                plan.append(PlannedCredential(name: kind.rawValue, configured: onPath != nil,
                                              detail: onPath.map { "azd at \($0)" } ?? "azd is not on PATH"))
            }
        }
        if selection.kinds.contains(.environment) || selection.kinds.contains(.workloadIdentity) {
            let authority = workloadIdentity.authorityHost.url
            for index in plan.indices where ["EnvironmentCredential", "WorkloadIdentityCredential"].contains(plan[index].name) && plan[index].configured {
                plan[index].endpoint = authority
            }
        }
        self.credentials = credentials
        self.plan = plan
    }

    /// Why managed identity is skipped here, or nil when it is tried (see the type's comment).
    static func managedIdentitySkipReason(environment: [String: String], selection: CredentialSelection,
                                          workloadIdentity: WorkloadIdentityConfiguration) -> String? {
        guard workloadIdentity.insideKubernetes, !selection.isSingle,
              IdentityEnvironment.value(IdentityEnvironment.podIdentityAuthorityHost, in: environment) == nil,
              IdentityEnvironment.value(IdentityEnvironment.identityEndpoint, in: environment) == nil else { return nil }
        return "skipped inside Kubernetes: IMDS answers for the node (its kubelet identity), not for this pod, so Parley would act as the wrong principal. Fix workload identity, or set AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential to use the node's identity on purpose."
    }

    /// The names of the chain's members, in order.
    public var configuredCredentials: [String] { credentials.map(\.name) }

    /// The outcome of each member during the last `getToken` (only the remembered one after the
    /// first success).
    public var attempts: [CredentialAttempt] { state.snapshot.attempts }

    /// The member that produced the last token, remembered for later calls.
    public var selectedCredential: String? { state.snapshot.winner.map { credentials[$0].name } }

    /// Every URL the chain may send a request to (skipped members excluded). Tests assert these
    /// are all loopback.
    public var endpoints: [String] { plan.compactMap(\.endpoint) }

    public func getToken(scopes: [String]) async throws -> AccessToken {
        if let winner = state.snapshot.winner {
            let credential = credentials[winner]
            do {
                let token = try await credential.getToken(scopes: scopes)
                state.record(attempts: [CredentialAttempt(credential: credential.name, outcome: .succeeded(expiresOn: token.expiresOn))], winner: winner)
                return token
            } catch {
                state.record(attempts: [Self.attempt(credential.name, error)], winner: winner)
                throw error
            }
        }
        let run = await walk(scopes: scopes)
        state.record(attempts: run.attempts, winner: run.winnerIndex)
        if let token = run.token, let winner = run.winner {
            logger.info("DefaultAzureCredential will use \(winner)", metadata: ["expires_on": "\(token.expiresOn.formatted(.iso8601))"])
            return token
        }
        throw ChainedCredentialError(chainName: name, attempts: run.attempts)
    }

    /// Walks the whole chain afresh (ignoring the remembered member) and reports every attempt;
    /// for `parley doctor`. Does not change what `getToken` remembers.
    public func diagnose(scopes: [String]) async -> ChainRun {
        await walk(scopes: scopes)
    }

    private func walk(scopes: [String]) async -> ChainRun {
        var attempts: [CredentialAttempt] = []
        for (index, credential) in credentials.enumerated() {
            do {
                let token = try await credential.getToken(scopes: scopes)
                attempts.append(CredentialAttempt(credential: credential.name, outcome: .succeeded(expiresOn: token.expiresOn)))
                return ChainRun(attempts: attempts, token: token, winnerIndex: index, winner: credential.name, chainName: name)
            } catch {
                let attempt = Self.attempt(credential.name, error)
                attempts.append(attempt)
                logger.debug("\(name) member failed", metadata: ["attempt": "\(attempt)"])
                if case .failed = attempt.outcome { break }
            }
        }
        return ChainRun(attempts: attempts, token: nil, winnerIndex: nil, winner: nil, chainName: name)
    }

    /// Unavailable errors continue the chain; everything else stops it.
    static func attempt(_ credential: String, _ error: any Error) -> CredentialAttempt {
        switch error {
        case let error as CredentialUnavailableError:
            CredentialAttempt(credential: credential, outcome: .unavailable(reason: error.reason))
        case let error as AuthenticationFailedError:
            CredentialAttempt(credential: credential, outcome: .failed(reason: error.reason))
        case is CancellationError:
            CredentialAttempt(credential: credential, outcome: .failed(reason: "cancelled."))
        default:
            CredentialAttempt(credential: credential, outcome: .failed(reason: SecretScrubber.scrub("\(error)")))
        }
    }
}

/// One member of the chain as planned from the environment, before anything is tried.
public struct PlannedCredential: Sendable, Equatable, Encodable {
    public var name: String
    /// Its variables (or executable) are present; false for skipped members.
    public var configured: Bool
    /// The URL it would send requests to, if any.
    public var endpoint: String?
    /// What it would use, or why it is not configured. Never a secret value.
    public var detail: String

    public init(name: String, configured: Bool, endpoint: String? = nil, detail: String) {
        self.name = name
        self.configured = configured
        self.endpoint = endpoint
        self.detail = detail
    }
}

/// The result of walking the chain once.
public struct ChainRun: Sendable {
    public let attempts: [CredentialAttempt]
    public let token: AccessToken?
    let winnerIndex: Int?
    /// The member that produced `token`.
    public let winner: String?
    let chainName: String

    /// The aggregated error when no token was obtained.
    public var error: ChainedCredentialError? {
        token == nil ? ChainedCredentialError(chainName: chainName, attempts: attempts) : nil
    }
}

/// The remembered member and the last attempts, shared by copies of the chain.
final class ChainState: Sendable {
    struct Snapshot: Sendable {
        var winner: Int?
        var attempts: [CredentialAttempt] = []
    }

    private let storage = Mutex(Snapshot())

    var snapshot: Snapshot { storage.withLock { $0 } }

    func record(attempts: [CredentialAttempt], winner: Int?) {
        storage.withLock {
            $0.attempts = attempts
            if let winner { $0.winner = winner }
        }
    }
}

/// A chain member that is deliberately not tried here; it reports why.
struct SkippedCredential: TokenCredential {
    let name: String
    let reason: String

    func getToken(scopes: [String]) async throws -> AccessToken {
        throw CredentialUnavailableError(credential: name, reason: reason)
    }
}
