/// Timeouts, retries and the sleep function used by every credential. Defaults match
/// azure-identity where it is sensible and are shorter where it is not (identity.md §11.4).
/// Tests shorten them and record sleeps instead of sleeping.
public struct IdentityOptions: Sendable {
    /// Per attempt, Entra token endpoint (azure-core waits 300 s; a black-holed Entra must not park
    /// the refresh for minutes).
    public var entraAttemptTimeout: Duration = .seconds(15)
    public var entraRetry: RetryPolicy = .entra
    /// How long the default chain's IMDS probe may take to connect: 1 s, no retries
    /// (azure-identity `_enable_imds_probe` connection_timeout, Go `imdsProbeTimeout`, 2026), so a
    /// laptop without IMDS moves on to the Azure CLI quickly. The probe's answer itself gets
    /// `imdsAttemptTimeout` (`IMDSProbe`).
    public var imdsProbeTimeout: Duration = .seconds(1)
    /// Per attempt once IMDS is known to answer, or when managed identity is used on its own.
    public var imdsAttemptTimeout: Duration = .seconds(5)
    public var imdsRetry: RetryPolicy = .imds
    /// `az` / `azd` subprocess limit (azure-identity `process_timeout`, Go `timeoutCLIRequest`: 10 s).
    public var processTimeout: Duration = .seconds(10)
    /// How retries wait. Injected so tests can record delays instead of sleeping.
    public var sleep: @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }

    public init() {}
}
