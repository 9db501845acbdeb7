import NIOPosix
import ParleyOutbound
import Synchronization
import Testing

/// The coarse timers behind every request deadline, body timeout and stream ping.
@Suite struct TimerWheelTests {
    final class Fired: Sendable {
        let count = Atomic<Int>(0)
        func add() { count.add(1, ordering: .relaxed) }
        var value: Int { count.load(ordering: .relaxed) }
    }

    func wheel() -> TimerWheel {
        TimerWheel(tick: .milliseconds(5), loop: MultiThreadedEventLoopGroup.singleton.next())
    }

    @Test func aTimerFiresOnceAfterItsDelayNotBefore() async throws {
        let wheel = wheel(), fired = Fired()
        let started = ContinuousClock.now
        _ = wheel.schedule(after: .milliseconds(80)) { fired.add() }
        try await Task.sleep(for: .milliseconds(30))
        #expect(fired.value == 0 || ContinuousClock.now - started >= .milliseconds(80))
        try await eventually { fired.value == 1 }
        #expect(ContinuousClock.now - started >= .milliseconds(80))
        try await Task.sleep(for: .milliseconds(50))
        #expect(fired.value == 1)
        #expect(wheel.pendingCount == 0)
    }

    @Test func aCancelledTimerNeverFiresAndIsForgotten() async throws {
        let wheel = wheel(), fired = Fired()
        let ticket = wheel.schedule(after: .milliseconds(20)) { fired.add() }
        #expect(wheel.cancel(ticket))
        #expect(!wheel.cancel(ticket), "a second cancel finds nothing")
        #expect(wheel.pendingCount == 0)
        try await Task.sleep(for: .milliseconds(80))
        #expect(fired.value == 0)
    }

    @Test func cancellingAfterItFiredSaysSo() async throws {
        let wheel = wheel(), fired = Fired()
        let ticket = wheel.schedule(after: .zero) { fired.add() }
        try await eventually { fired.value == 1 }
        #expect(!wheel.cancel(ticket))
    }

    @Test func manyTimersEachFireOnceAndTheWheelStopsWhenIdle() async throws {
        let wheel = wheel(), fired = Fired()
        let tickets = (0..<2000).map { index in wheel.schedule(after: .milliseconds(index % 40)) { fired.add() } }
        let cancelled = tickets.enumerated().filter { $0.offset % 4 == 0 }.map(\.element)
        let stillPending = cancelled.filter { wheel.cancel($0) }.count
        try await eventually { fired.value == 2000 - stillPending }
        #expect(wheel.pendingCount == 0)
        try await eventually { !wheel.isTicking }
        // And it starts again for the next timer.
        _ = wheel.schedule(after: .milliseconds(1)) { fired.add() }
        try await eventually { fired.value == 2000 - stillPending + 1 }
    }

    @Test func aCancelledSleepEndsAtOnceAndLeavesNoTimer() async throws {
        let wheel = wheel()
        let sleeper = Task { try await TimerSleep.sleep(for: .seconds(300), on: wheel) }
        try await eventually { wheel.pendingCount == 1 }
        let started = ContinuousClock.now
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(wheel.pendingCount == 0)
    }

    @Test func aSleepEndsAfterItsDuration() async throws {
        let wheel = wheel()
        let started = ContinuousClock.now
        try await TimerSleep.sleep(for: .milliseconds(40), on: wheel)
        #expect(ContinuousClock.now - started >= .milliseconds(40))
        #expect(wheel.pendingCount == 0)
    }

    /// Polls (bounded) until `condition` holds.
    func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }
}
