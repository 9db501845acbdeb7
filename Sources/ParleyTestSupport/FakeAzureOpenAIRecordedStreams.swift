// Verbatim copies of recorded Azure OpenAI streams (raw `text/event-stream` bodies, byte for byte:
// line endings, trailing spaces and a missing final newline included). Generated from the project's
// reference samples; the sources are named on each case. Nothing here is a real credential.

extension FakeAzureOpenAI {
        /// A recorded stream the fake can replay verbatim (`Options.replay` or the `[[replay:NAME]]`
        /// directive, NAME being the raw value).
    public enum RecordedStream: String, CaseIterable, Sendable, Codable {
        /// Real gpt-4o-2024-08-06 stream (2025-06): prompt_filter_results event with `choices: []`, role event,
        /// content events with per-category filter results, finish event with `delta: {}`, `[DONE]`.
        /// quarkiverse/quarkus-langchain4j @ bf6b33894907, AzureOpenAiStreamingChatModelTest.java.
        case quarkusGPT4o = "quarkus-lc4j-azure-gpt4o-2024-08-06-stream"
        /// Real gpt-4.1-2025-04-14 stream (2025-09), 22 events + `[DONE]`, prompt filter with `jailbreak`.
        /// enoch-sit/tool-chatbot-boilerplate @ 3082a1a35f5b, services/mimicAzure/data/realAzure.
        case enochsitGPT41 = "enochsit-realAzure-gpt41-stream"
        /// Asynchronous content filter (gpt-4o-2024-05-13, 2024-08): two annotation events without `delta`
        /// after the `stop` event; no newline after `[DONE]`.
        /// microsoft/semantic-kernel @ d9c79bcdf5d6, chat_completion_streaming_async_filter_response.txt.
        case semanticKernelAsyncFilter = "sk-dotnet-stream-async-filter"
        /// Microsoft's async-filter sample that passes (gpt-35-turbo, 2023): legacy `prompt_annotations`,
        /// `"usage":null` everywhere, `...` elision lines, a trailing space on every line.
        /// MicrosoftDocs/azure-ai-docs @ 20db54321dce, concepts/content-streaming.md.
        case microsoftDocsAsyncFilterPasses = "msdocs-async-filter-stream-passes"
        /// Same page, blocked by the filter: the last annotation has `finish_reason: "content_filter"`; one
        /// event is split by a docs line-wrap and is not valid JSON (a client must skip it).
        /// MicrosoftDocs/azure-ai-docs @ 20db54321dce, concepts/content-streaming.md.
        case microsoftDocsAsyncFilterBlocked = "msdocs-async-filter-stream-blocked"
        /// One real role event (gpt-4.1-mini, api-version 2024-10-21, 2026-09) with the singular
        /// `content_filter_result.error` next to an empty plural object, plus `obfuscation`/`service_tier`.
        /// Public observation record "Azure OpenAI streaming の raw chunk 到達順序の実測記録" §5-1. No `[DONE]`.
        case filterErrorChunk = "jp-record-gpt41mini-content_filter_result-error-chunk"
        /// One real `include_usage` event (gpt-4.1-mini, 2024-10-21, 2026): `choices: []`, usage 22/34/56,
        /// plus undocumented `latency_checkpoint` and `routing`. Same record, §5-3. No `[DONE]`.
        case includeUsageChunk = "jp-record-gpt41mini-include_usage-final-chunk"

        /// The exact bytes of the recording.
        public var text: String {
            switch self {
            case .quarkusGPT4o: Self.quarkusGPT4oText
            case .enochsitGPT41: Self.enochsitGPT41Text
            case .semanticKernelAsyncFilter: Self.semanticKernelAsyncFilterText
            case .microsoftDocsAsyncFilterPasses: Self.microsoftDocsAsyncFilterPassesText
            case .microsoftDocsAsyncFilterBlocked: Self.microsoftDocsAsyncFilterBlockedText
            case .filterErrorChunk: Self.filterErrorChunkText
            case .includeUsageChunk: Self.includeUsageChunkText
            }
        }

        private static let quarkusGPT4oText = #"""
data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}

data: {"choices":[{"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_ee1d74bde0"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hallo"},"finish_reason":null,"index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_ee1d74bde0"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" Welt"},"finish_reason":null,"index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_ee1d74bde0"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"!"},"finish_reason":null,"index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_ee1d74bde0"}

data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1750697159,"id":"chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_ee1d74bde0"}

data: [DONE]

"""#

        private static let enochsitGPT41Text = #"""
data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}

data: {"choices":[{"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"Hello"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"!"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" I"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"’m"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" doing"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" well"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":","},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" thank"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" you"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" for"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" asking"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"."},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" How"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" can"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" I"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" assist"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" you"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":" today"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"delta":{"content":"?"},"finish_reason":null,"index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: {"choices":[{"content_filter_results":{},"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1757173664,"id":"chatcmpl-CCpQezimv18JiN1wi7awtmRfkaFTS","model":"gpt-4.1-2025-04-14","object":"chat.completion.chunk","system_fingerprint":"fp_c79ab13e31"}

data: [DONE]


"""#

        private static let semanticKernelAsyncFilterText = #"""
data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}

data: {"choices":[{"delta":{"content":"","role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1724860848,"id":"chatcmpl-A1FOCU4vamBSxxqjaKcvADYMlwlaC","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_abc28019ad"}

data: {"choices":[{"delta":{"content":"Kindness"},"finish_reason":null,"index":0,"logprobs":null}],"created":1724860848,"id":"chatcmpl-A1FOCU4vamBSxxqjaKcvADYMlwlaC","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_abc28019ad"}

data: {"choices":[{"delta":{},"finish_reason":"stop","index":0,"logprobs":null}],"created":1724860848,"id":"chatcmpl-A1FOCU4vamBSxxqjaKcvADYMlwlaC","model":"gpt-4o-2024-05-13","object":"chat.completion.chunk","system_fingerprint":"fp_abc28019ad"}

data: {"choices":[{"content_filter_offsets":{"check_offset":1576,"start_offset":1576,"end_offset":2318},"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"finish_reason":null,"index":0}],"created":0,"id":"","model":"","object":""}

data: {"choices":[{"content_filter_offsets":{"check_offset":1576,"start_offset":1576,"end_offset":2318},"content_filter_results":{"protected_material_code":{"filtered":false,"detected":false},"protected_material_text":{"filtered":false,"detected":false}},"finish_reason":null,"index":0}],"created":0,"id":"","model":"","object":""}

data: [DONE]
"""#

        private static let microsoftDocsAsyncFilterPassesText = #"""
data: {"id":"","object":"","created":0,"model":"","prompt_annotations":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}],"choices":[],"usage":null} 

data: {"id":"chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY","object":"chat.completion.chunk","created":1692913344,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant"}}],"usage":null} 

data: {"id":"chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY","object":"chat.completion.chunk","created":1692913344,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":"Color"}}],"usage":null} 

data: {"id":"chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY","object":"chat.completion.chunk","created":1692913344,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":" is"}}],"usage":null} 

data: {"id":"chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY","object":"chat.completion.chunk","created":1692913344,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":" a"}}],"usage":null} 

... 

data: {"id":"","object":"","created":0,"model":"","choices":[{"index":0,"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"content_filter_offsets":{"check_offset":44,"start_offset":44,"end_offset":198}}],"usage":null} 

... 

data: {"id":"chatcmpl-7rCNsVeZy0PGnX3H6jK8STps5nZUY","object":"chat.completion.chunk","created":1692913344,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":"stop","delta":{}}],"usage":null} 

data: {"id":"","object":"","created":0,"model":"","choices":[{"index":0,"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"content_filter_offsets":{"check_offset":506,"start_offset":44,"end_offset":571}}],"usage":null} 

data: [DONE] 


"""#

        private static let microsoftDocsAsyncFilterBlockedText = #"""
data: {"id":"","object":"","created":0,"model":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}],"choices":[],"usage":null} 

data: {"id":"chatcmpl-8JCbt5d4luUIhYCI7YH4dQK7hnHx2","object":"chat.completion.chunk","created":1699587397,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"role":"assistant"}}],"usage":null} 

data: {"id":"chatcmpl-8JCbt5d4luUIhYCI7YH4dQK7hnHx2","object":"chat.completion.chunk","created":1699587397,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":"Hey"}}],"usage":null} 

data: {"id":"chatcmpl-8JCbt5d4luUIhYCI7YH4dQK7hnHx2","object":"chat.completion.chunk","created":1699587397,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":" Jude"}}],"usage":null} 

data: {"id":"chatcmpl-8JCbt5d4luUIhYCI7YH4dQK7hnHx2","object":"chat.completion.chunk","created":1699587397,"model":"gpt-35-turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":","}}],"usage":null} 

... 

data: {"id":"chatcmpl-8JCbt5d4luUIhYCI7YH4dQK7hnHx2","object":"chat.completion.chunk","created":1699587397,"model":"gpt-35- 

turbo","choices":[{"index":0,"finish_reason":null,"delta":{"content":" better"}}],"usage":null} 

data: {"id":"","object":"","created":0,"model":"","choices":[{"index":0,"finish_reason":null,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}},"content_filter_offsets":{"check_offset":65,"start_offset":65,"end_offset":1056}}],"usage":null} 

data: {"id":"","object":"","created":0,"model":"","choices":[{"index":0,"finish_reason":"content_filter","content_filter_results":{"protected_material_text":{"detected":true,"filtered":true}},"content_filter_offsets":{"check_offset":65,"start_offset":65,"end_offset":1056}}],"usage":null} 

data: [DONE] 


"""#

        private static let filterErrorChunkText = #"""
data: {"choices":[{"content_filter_result":{"error":{"code":"content_filter_error","message":"The contents are not filtered"}},"content_filter_results":{},"delta":{"content":"","refusal":null,"role":"assistant"},"finish_reason":null,"index":0,"logprobs":null}],"created":1788254279,"id":"chatcmpl-EJEutqAFspAZFB7NOhd08tRyVah11","model":"gpt-4.1-mini-2025-04-14","obfuscation":"U99lN","object":"chat.completion.chunk","service_tier":"default","system_fingerprint":"fp_51ebab882d"}


"""#

        private static let includeUsageChunkText = #"""
data: {"choices":[],"created":1788254314,"id":"chatcmpl-EJEvSY5drsqKTmbzILnMWMhU3tP2C","latency_checkpoint":{"engine_tbt_ms":16,"engine_ttft_ms":49,"engine_ttlt_ms":607,"pre_inference_ms":107,"service_tbt_ms":16,"service_ttft_ms":397,"service_ttlt_ms":953,"user_visible_ttft_ms":291},"model":"gpt-4.1-mini-2025-04-14","obfuscation":"","object":"chat.completion.chunk","routing":{"serving_pipereplica":"d20260821091301-e6adfbb2-default-r1-dp0-default"},"service_tier":"default","system_fingerprint":"fp_51ebab882d","usage":{"completion_tokens":34,"completion_tokens_details":{"accepted_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":0,"rejected_prediction_tokens":0},"prompt_tokens":22,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"total_tokens":56}}


"""#
    }
}
