import Foundation
import ParleyIdentity

/// Counts token acquisitions and failures by credential: for the default chain, by the member that
/// answered (or, on failure, the last one tried).
struct InstrumentedCredential: TokenCredential {
    let base: DefaultAzureCredential
    let metrics: ParleyMetrics

    var name: String { base.name }

    func getToken(scopes: [String]) async throws -> AccessToken {
        do {
            let token = try await base.getToken(scopes: scopes)
            metrics.tokenAcquired(credential: base.selectedCredential ?? base.name)
            return token
        } catch {
            metrics.tokenFailed(credential: base.attempts.last?.credential ?? base.name)
            throw error
        }
    }
}
