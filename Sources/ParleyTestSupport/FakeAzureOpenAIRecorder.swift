import Foundation

/// The fake's mutable state: recorded requests and the per-message failure counters of
/// `[[status:NNN:N]]`.
actor FakeAzureOpenAIRecorder {
    private var records: [FakeAzureOpenAI.RecordedRequest] = []
    private var nextID = 1
    private var failuresServed: [String: Int] = [:]
    private(set) var isShuttingDown = false

    var all: [FakeAzureOpenAI.RecordedRequest] { records }

    func clear() {
        records.removeAll()
        failuresServed.removeAll()
    }

    /// Stores a new record and returns its id.
    func add(_ record: FakeAzureOpenAI.RecordedRequest) -> Int {
        var record = record
        record.id = nextID
        nextID += 1
        records.append(record)
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
