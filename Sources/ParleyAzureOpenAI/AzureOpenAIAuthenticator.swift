/// How requests to Azure OpenAI are authenticated. Two implementations ship with this library
/// (`APIKeyAuthenticator` and `BearerTokenAuthenticator`); the composition root picks one.
public protocol AzureOpenAIAuthenticator: Sendable {
    /// The header to attach to the next attempt (`api-key: …` or `Authorization: Bearer …`).
    /// Called once per attempt, so a retry can pick up a refreshed token.
    func authorizationHeader() async throws -> (name: String, value: String)
    /// Forget the current credential: the next `authorizationHeader()` must not reuse it.
    func invalidate() async
    /// Called after Azure OpenAI answered 401 to `rejected` (a header this authenticator produced):
    /// forget that credential, but only if it is still the current one — a concurrent request may
    /// already have replaced it with a fresh one, which must be kept. The default forgets whatever is
    /// current (`invalidate()`).
    func invalidate(rejected: (name: String, value: String)) async
}

extension AzureOpenAIAuthenticator {
    public func invalidate(rejected: (name: String, value: String)) async {
        await invalidate()
    }
}

/// `api-key: <key>`; nothing to invalidate.
public struct APIKeyAuthenticator: AzureOpenAIAuthenticator {
    private let key: String

    public init(key: String) {
        self.key = key
    }

    public func authorizationHeader() async throws -> (name: String, value: String) {
        ("api-key", key)
    }

    public func invalidate() async {}
}

/// `Authorization: Bearer <token>`, from two closures rather than a protocol with one conformer:
/// `token` gives the current token (the identity library's cache, wired by the composition root),
/// `forget` drops it — with the rejected token, only if it is still the cached one (compare, then
/// invalidate), so a fresh token another request already fetched is kept; with nil, whatever is cached.
public struct BearerTokenAuthenticator: AzureOpenAIAuthenticator {
    private let token: @Sendable () async throws -> String
    private let forget: @Sendable (_ ifTokenIs: String?) async -> Void

    public init(
        token: @escaping @Sendable () async throws -> String,
        forget: @escaping @Sendable (_ ifTokenIs: String?) async -> Void
    ) {
        self.token = token
        self.forget = forget
    }

    public func authorizationHeader() async throws -> (name: String, value: String) {
        ("Authorization", "Bearer \(try await token())")
    }

    public func invalidate() async {
        await forget(nil)
    }

    public func invalidate(rejected: (name: String, value: String)) async {
        let prefix = "Bearer "
        guard rejected.value.hasPrefix(prefix) else { return await forget(nil) }
        await forget(String(rejected.value.dropFirst(prefix.count)))
    }
}

extension AzureOpenAIAuthenticator {
    /// The header for one request (chat or embeddings); a credential that cannot be had becomes
    /// `credentialUnavailable`, with the credential's own explanation.
    func headerForRequest() async throws -> (name: String, value: String) {
        do {
            return try await authorizationHeader()
        } catch let error as CancellationError {
            throw error
        } catch let error as AzureOpenAIError {
            throw error
        } catch {
            throw AzureOpenAIError(kind: .credentialUnavailable,
                message: "No credential for Azure OpenAI could be obtained: \(error)")
        }
    }
}
