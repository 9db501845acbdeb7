import Foundation
import Synchronization

/// A clock that moves only when a test says so, so expiry and refresh windows are reached without
/// sleeping; shared by Parley's token cache, its session stores and the fakes.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    public func now() -> Date {
        current.withLock { $0 }
    }

    /// `now` as the closure the libraries take.
    public var closure: @Sendable () -> Date { { self.now() } }

    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }
}
