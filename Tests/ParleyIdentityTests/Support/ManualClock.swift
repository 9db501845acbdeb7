import Foundation
import Synchronization

/// A clock the test moves by hand, so expiry and refresh windows are reached without sleeping.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_900_000_000)) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    /// The closure the library takes.
    var closure: @Sendable () -> Date { { self.now } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}

/// Records the waits a retry policy asks for and returns at once.
final class SleepRecorder: Sendable {
    private let recorded = Mutex<[Duration]>([])

    var sleeps: [Duration] { recorded.withLock { $0 } }

    var closure: @Sendable (Duration) async throws -> Void {
        { duration in self.recorded.withLock { $0.append(duration) } }
    }
}
