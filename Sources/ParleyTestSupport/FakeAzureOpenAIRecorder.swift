import Foundation

/// The fake's mutable state: recorded requests and the per-message failure counters of
/// `[[status:NNN:N]]`.
actor FakeAzureOpenAIRecorder {
    private var records: [FakeAzureOpenAI.RecordedRequest] = []
    /// Only the newest records are kept, so a long benchmark run does not grow the fake without bound.
    private let limit: Int
    private var nextID = 1
    private var failuresServed: [String: Int] = [:]
    private(set) var isShuttingDown = false
    /// `Options.directives`, changed by `FakeAzureOpenAI.setDirectives`.
    var directives = ""
    private var chatRequests = 0
    private(set) var embeddingRecords: [FakeAzureOpenAI.RecordedEmbeddingRequest] = []
    private var embeddingFailures: [FakeEmbeddingFailure] = []

    func addEmbedding(_ record: FakeAzureOpenAI.RecordedEmbeddingRequest) {
        embeddingRecords.append(record)
        if embeddingRecords.count > limit { embeddingRecords.removeFirst(embeddingRecords.count - limit) }
    }

    func scheduleEmbeddingFailures(_ failure: FakeEmbeddingFailure) {
        if failure.remaining > 0 { embeddingFailures.append(failure) }
    }

    /// The failure the next embeddings request gets, if one is scheduled (and counts it).
    func takeEmbeddingFailure() -> FakeEmbeddingFailure? {
        guard var first = embeddingFailures.first else { return nil }
        first.remaining -= 1
        if first.remaining == 0 { embeddingFailures.removeFirst() } else { embeddingFailures[0] = first }
        return first
    }

    func setDirectives(_ text: String) {
        directives = text
    }

    /// For `Options.rateLimitEvery`: true for the 1st, N+1th, … chat request.
    func nextIsRateLimited(every: Int) -> Bool {
        defer { chatRequests += 1 }
        return every > 0 && chatRequests % every == 0
    }

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var all: [FakeAzureOpenAI.RecordedRequest] { records }

    func clear() {
        records.removeAll()
        failuresServed.removeAll()
        embeddingRecords.removeAll()
        embeddingFailures.removeAll()
    }

    /// Stores a new record and returns its id.
    func add(_ record: FakeAzureOpenAI.RecordedRequest) -> Int {
        var record = record
        record.id = nextID
        nextID += 1
        records.append(record)
        if records.count > limit { records.removeFirst(records.count - limit) }
        return record.id
    }

    func update(_ id: Int, _ change: @Sendable (inout FakeAzureOpenAI.RecordedRequest) -> Void) {
        guard let index = records.firstIndex(where: { $0.id == id }) else { return }
        change(&records[index])
    }

    /// For `[[status:NNN:N]]`: true while fewer than `count` failures were served for `message`
    /// (and counts this one).
    func shouldFail(message: String, count: Int) -> Bool {
        let served = failuresServed[message, default: 0]
        guard served < count else { return false }
        failuresServed[message] = served + 1
        return true
    }

    func beginShutdown() {
        isShuttingDown = true
    }
}
