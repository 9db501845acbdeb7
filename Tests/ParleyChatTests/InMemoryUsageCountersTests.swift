import Foundation
import ParleyChat
import Testing

/// The in-memory counters stay bounded: one entry per key, only the current window kept.
@Suite("In-memory usage counters")
struct InMemoryUsageCountersTests {
    @Test func aNewWindowReplacesTheOldOneAndOldWindowsReadAsZero() async {
        let counters = InMemoryUsageCounters()
        let minute = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(await counters.countQuestion(for: "k", window: minute) == 1)
        #expect(await counters.countQuestion(for: "k", window: minute) == 2)
        let next = minute.addingTimeInterval(60)
        #expect(await counters.countQuestion(for: "k", window: next) == 1)
        #expect(await counters.questions(for: "k", window: minute) == 0)
        #expect(await counters.questions(for: "k", window: next) == 1)
        // A late count for a past window is not added to the current one.
        #expect(await counters.countQuestion(for: "k", window: minute) == 1)
        #expect(await counters.questions(for: "k", window: next) == 1)
    }

    @Test func theLeastRecentlyCountedKeysGoBeyondTheCap() async {
        let counters = InMemoryUsageCounters(maxKeys: 2)
        let day = Date(timeIntervalSince1970: 1_799_971_200)
        await counters.addTokens(10, for: "a", day: day)
        await counters.addTokens(20, for: "b", day: day)
        await counters.addTokens(30, for: "c", day: day)
        #expect(await counters.tokens(for: "a", day: day) == 0)
        #expect(await counters.tokens(for: "b", day: day) == 20)
        #expect(await counters.tokens(for: "c", day: day) == 30)
    }
}
