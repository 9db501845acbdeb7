import Foundation
import Synchronization

/// Records the waits a retry policy asks for and returns at once.
final class SleepRecorder: Sendable {
    private let recorded = Mutex<[Duration]>([])

    var sleeps: [Duration] { recorded.withLock { $0 } }

    var closure: @Sendable (Duration) async throws -> Void {
        { duration in self.recorded.withLock { $0.append(duration) } }
    }
}
