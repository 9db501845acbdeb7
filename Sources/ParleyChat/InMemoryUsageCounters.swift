import Foundation

/// The limits' counters in this process's memory. Only the current window and day matter, so a
/// counter from an older window or day is dropped when a newer one is counted: memory stays bounded
/// by the number of keys active in one minute (questions) and in one day (tokens), capped at
/// `maxKeys` each (the oldest entries go first).
public actor InMemoryUsageCounters: UsageCounterStore {
    private struct Counter {
        var start: Date
        var value: Int
    }

    private let maxKeys: Int
    private var questionWindows = LRUDictionary<String, Counter>()
    private var tokenDays = LRUDictionary<String, Counter>()

    public init(maxKeys: Int = 100_000) {
        self.maxKeys = max(1, maxKeys)
    }

    public func countQuestion(for key: String, window: Date) -> Int {
        Self.add(1, to: &questionWindows, key: key, start: window, maxKeys: maxKeys)
    }

    public func questions(for key: String, window: Date) -> Int {
        Self.value(in: questionWindows, key: key, start: window)
    }

    @discardableResult
    public func addTokens(_ tokens: Int, for key: String, day: Date) -> Int {
        Self.add(max(0, tokens), to: &tokenDays, key: key, start: day, maxKeys: maxKeys)
    }

    public func tokens(for key: String, day: Date) -> Int {
        Self.value(in: tokenDays, key: key, start: day)
    }

    private static func add(_ amount: Int, to counters: inout LRUDictionary<String, Counter>, key: String, start: Date, maxKeys: Int) -> Int {
        var counter = counters.peek(key) ?? Counter(start: start, value: 0)
        if counter.start < start { counter = Counter(start: start, value: 0) }
        if counter.start == start { counter.value += amount }
        counters.set(key, counter)
        while counters.count > maxKeys, let oldest = counters.oldestKey { counters.remove(oldest) }
        return counter.start == start ? counter.value : amount
    }

    private static func value(in counters: LRUDictionary<String, Counter>, key: String, start: Date) -> Int {
        guard let counter = counters.peek(key), counter.start == start else { return 0 }
        return counter.value
    }
}
