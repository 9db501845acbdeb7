/// A dictionary that remembers use order: O(1) lookup, touch, insert and removal of the least
/// recently used entry. Entries are linked through their keys, so there are no node objects.
struct LRUDictionary<Key: Hashable, Value> {
    private struct Entry {
        var value: Value
        var older: Key?
        var newer: Key?
    }

    private var entries: [Key: Entry] = [:]
    /// Least recently used.
    private(set) var oldestKey: Key?
    /// Most recently used.
    private var newestKey: Key?

    var count: Int { entries.count }

    /// Every entry, in no particular order, without counting as use.
    var keysAndValues: [(Key, Value)] { entries.map { ($0.key, $0.value.value) } }

    /// The value without counting as use.
    func peek(_ key: Key) -> Value? {
        entries[key]?.value
    }

    /// Stores (or replaces) the value and makes it the most recently used.
    mutating func set(_ key: Key, _ value: Value) {
        if entries[key] != nil {
            unlink(key)
        }
        entries[key] = Entry(value: value, older: newestKey, newer: nil)
        if let newest = newestKey { entries[newest]?.newer = key }
        newestKey = key
        if oldestKey == nil { oldestKey = key }
    }

    /// Changes the value in place, without counting as use.
    mutating func update(_ key: Key, _ body: (inout Value) -> Void) {
        guard entries[key] != nil else { return }
        body(&entries[key]!.value)
    }

    @discardableResult
    mutating func remove(_ key: Key) -> Value? {
        guard let entry = entries[key] else { return nil }
        unlink(key)
        entries[key] = nil
        return entry.value
    }

    private mutating func unlink(_ key: Key) {
        guard let entry = entries[key] else { return }
        if let older = entry.older { entries[older]?.newer = entry.newer } else { oldestKey = entry.newer }
        if let newer = entry.newer { entries[newer]?.older = entry.older } else { newestKey = entry.older }
    }
}
