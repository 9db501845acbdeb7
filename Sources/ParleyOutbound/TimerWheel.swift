import NIOCore
import NIOPosix
import Synchronization

/// Many coarse timers on one NIO repeated task: the request deadline of every Azure call, every
/// body timeout and every stream ping. Scheduling or cancelling a NIO task from outside its event
/// loop wakes that loop (an eventfd write and a thread switch); with a timer set and cancelled for
/// every `/ask`, `Scheduled.cancel` alone was 6 % of CPU under `make bench` (perf, 2026-11-29).
/// Here setting and cancelling a timer is a dictionary operation under a lock, and one loop ticks
/// while any timer is pending (it stops when none is, so an idle server does not wake up).
///
/// A timer fires within one tick after its deadline (10 ms), on an event loop thread, so `fire`
/// must be short and must not block: cancel a task, resume a continuation, close a channel.
public final class TimerWheel: Sendable {
    public static let shared = TimerWheel(tick: .milliseconds(10), loop: MultiThreadedEventLoopGroup.singleton.next())

    public struct Ticket: Sendable, Hashable {
        fileprivate let id: UInt64
    }

    private struct Entry {
        let deadline: NIODeadline
        let fire: @Sendable () -> Void
    }

    private struct State {
        var nextID: UInt64 = 0
        var entries: [UInt64: Entry] = [:]
        var ticking = false
        /// No entry is due before this (an entry cancelled since may have been the one), so most
        /// ticks look at one number instead of every pending timer.
        var earliest = NIODeadline.distantFuture
    }

    private let state = Mutex(State())
    private let tick: TimeAmount
    private let loop: any EventLoop

    public init(tick: TimeAmount, loop: any EventLoop) {
        self.tick = tick
        self.loop = loop
    }

    /// Calls `fire` once, within one tick after `delay` has passed, unless cancelled first.
    public func schedule(after delay: Duration, _ fire: @escaping @Sendable () -> Void) -> Ticket {
        let deadline = NIODeadline.now() + max(delay, .zero).timeAmount
        let (ticket, start) = state.withLock { state -> (Ticket, Bool) in
            state.nextID += 1
            state.entries[state.nextID] = Entry(deadline: deadline, fire: fire)
            state.earliest = min(state.earliest, deadline)
            let start = !state.ticking
            state.ticking = true
            return (Ticket(id: state.nextID), start)
        }
        if start {
            loop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [self] task in runTick(task) }
        }
        return ticket
    }

    /// Forgets the timer; false when it has already fired (or is firing now) or was cancelled.
    @discardableResult
    public func cancel(_ ticket: Ticket) -> Bool {
        state.withLock { $0.entries.removeValue(forKey: ticket.id) != nil }
    }

    /// Timers not yet fired or cancelled (for tests).
    public var pendingCount: Int { state.withLock { $0.entries.count } }

    /// Whether the loop is ticking (for tests: it stops when nothing is pending).
    public var isTicking: Bool { state.withLock { $0.ticking } }

    private func runTick(_ task: RepeatedTask) {
        let now = NIODeadline.now()
        let due = state.withLock { state -> [Entry] in
            guard !state.entries.isEmpty else {
                state.ticking = false
                task.cancel()
                return []
            }
            guard state.earliest <= now else { return [] }
            var due: [Entry] = []
            var earliest = NIODeadline.distantFuture
            for (id, entry) in state.entries {
                if entry.deadline <= now {
                    due.append(entry)
                    state.entries[id] = nil
                } else {
                    earliest = min(earliest, entry.deadline)
                }
            }
            state.earliest = earliest
            return due
        }
        for entry in due { entry.fire() }
    }
}
