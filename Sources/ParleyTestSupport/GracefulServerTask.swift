import Hummingbird
import Logging
import ServiceLifecycle

/// Runs a fake's Hummingbird application and stops it with a graceful shutdown.
///
/// Cancelling the task that runs `app.run()` instead races with connections being accepted at
/// that moment: swift-nio 2.101 then traps ("Deinited NIOAsyncWriter without calling finish()")
/// and takes the whole test process down. A graceful shutdown stops accepting first and lets
/// accepted connections finish; after `grace` whatever is left is cancelled.
public final class GracefulServerTask: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public init(_ app: some Service, grace: Duration = .seconds(2), logger: Logger) {
        var configuration = ServiceGroupConfiguration(services: [app], logger: logger)
        configuration.maximumGracefulShutdownDuration = grace
        let group = ServiceGroup(configuration: configuration)
        self.group = group
        task = Task { try await group.run() }
    }

    /// Stops accepting, lets open connections finish (up to the grace), and waits until it is done.
    public func stop() async throws {
        await group.triggerGracefulShutdown()
        do {
            try await task.value
        } catch is CancellationError {
            // Left over after the grace period: the expected way out.
        }
    }

    /// The run's outcome (for a server that failed to start).
    public var result: Result<Void, any Error> {
        get async { await task.result }
    }
}
