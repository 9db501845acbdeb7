import AsyncHTTPClient

extension ChatCompletionCall {
    /// The error for an attempt whose transport failed, worded by how far it got.
    func transportError(_ error: any Error, attempts: Int, phase: Phase) -> AzureOpenAIError {
        let tries = attempts == 1 ? "1 attempt" : "\(attempts) attempts"
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout:
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Could not connect to Azure OpenAI within \(Self.format(configuration.connectTimeout)) (\(tries)). "
                        + "Check the endpoint and the network path to it (DNS, proxy, firewall).")
            case .deadlineExceeded, .readTimeout where phase == .beforeHead:
                // The head deadline and AHC's idle read timeout both mean "no first byte in time".
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Azure OpenAI did not start answering within \(Self.format(configuration.firstByteTimeout)) (\(tries)). "
                        + "The service may be overloaded; try again later.")
            case .readTimeout:
                return AzureOpenAIError(kind: .upstreamTimeout,
                    message: "Azure OpenAI went silent for more than \(Self.format(configuration.firstByteTimeout)) "
                        + (phase == .midStream ? "in the middle of the answer. Try again." : "(\(tries)). Try again later."))
            default:
                break
            }
        }
        if phase == .midStream {
            return AzureOpenAIError(kind: .upstreamError,
                message: "The connection to Azure OpenAI broke off in the middle of the answer (\(Self.describe(error))). Try again.")
        }
        return AzureOpenAIError(kind: .upstreamError,
            message: "Could not reach Azure OpenAI after \(tries) (\(Self.describe(error))). "
                + "Check the endpoint and the network path to it, then try again.")
    }
}
