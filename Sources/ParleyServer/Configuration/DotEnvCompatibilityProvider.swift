import Configuration

/// The thin fix over swift-configuration's `.env` reader (1.4.0), which keeps quotes. The original chatbot's `.env` quotes its values (`OPENAI_API_BASE="https://…"`),
/// so without this Parley would read the quotes as part of the URL.
/// Only the `.env` provider is wrapped: a real environment variable is taken literally.
struct DotEnvCompatibilityProvider<Upstream: ConfigProvider>: ConfigProvider {
    let upstream: Upstream

    var providerName: String { "DotEnvCompatibilityProvider[upstream: \(upstream.providerName)]" }

    func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try Self.fix(key: key) { try upstream.value(forKey: $0, type: type) }
    }

    func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
        try value(forKey: key, type: type)
    }

    func watchValue<Return: ~Copyable>(
        forKey key: AbsoluteConfigKey,
        type: ConfigType,
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>) async throws -> Return
    ) async throws -> Return {
        // A `.env` file is read once at start; there are no updates to watch.
        try await upstream.watchValue(forKey: key, type: type, updatesHandler: updatesHandler)
    }

    func snapshot() -> any ConfigSnapshot {
        Snapshot(upstream: upstream.snapshot())
    }

    func watchSnapshot<Return: ~Copyable>(
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>) async throws -> Return
    ) async throws -> Return {
        try await upstream.watchSnapshot(updatesHandler: updatesHandler)
    }

    private struct Snapshot: ConfigSnapshot {
        let upstream: any ConfigSnapshot
        var providerName: String { "DotEnvCompatibilityProvider[upstream: \(upstream.providerName)]" }
        func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
            try DotEnvCompatibilityProvider.fix(key: key) { try upstream.value(forKey: $0, type: type) }
        }
    }

    /// Strips one pair of matching quotes from a string value.
    static func fix(key: AbsoluteConfigKey, lookup: (AbsoluteConfigKey) throws -> LookupResult) rethrows -> LookupResult {
        var result = try lookup(key)
        if case .string(let text)? = result.value?.content {
            result.value?.content = .string(unquoted(text))
        }
        return result
    }

    static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" else {
            return text
        }
        return String(text.dropFirst().dropLast())
    }
}
