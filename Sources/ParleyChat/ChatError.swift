/// Failures of a question that are about the conversation itself, not the model's transport.
public enum ChatError: Error, Sendable, Equatable {
    /// The model's output was stopped by the content filter (finish_reason `content_filter`).
    case answerFiltered
}
