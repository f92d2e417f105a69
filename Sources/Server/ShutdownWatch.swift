import Logging
import ServiceLifecycle
import Synchronization

/// Knows which of the server's services are still running once a graceful
/// shutdown began, and says so in the log while the shutdown takes longer
/// than it should: a stuck shutdown names what it waits for.
final class ShutdownWatch: Sendable {
    private let state = Mutex<(running: [String], watching: Bool)>(([], false))
    private let grace: Duration
    private let logger: Logger

    init(grace: Duration, logger: Logger) {
        self.grace = grace
        self.logger = logger
    }

    /// `service` under `name`, reported while the shutdown waits for it.
    func watch(_ service: any Service, as name: String) -> any Service {
        WatchedService(name: name, service: service, watch: self)
    }

    fileprivate func started(_ name: String) { state.withLock { $0.running.append(name) } }

    fileprivate func finished(_ name: String) {
        state.withLock { state in
            if let index = state.running.firstIndex(of: name) { state.running.remove(at: index) }
        }
    }

    /// Starts the reports (once); they end when every service has finished.
    fileprivate func shutdownBegan() {
        guard state.withLock({ state in
            defer { state.watching = true }
            return !state.watching
        }) else { return }
        Task { [self] in
            try? await Task.sleep(for: grace)
            while true {
                let running = state.withLock { $0.running }
                guard !running.isEmpty else { return }
                logger.warning("shutdown is still waiting for: \(running.joined(separator: ", "))")
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}

private struct WatchedService: Service {
    let name: String
    let service: any Service
    let watch: ShutdownWatch

    func run() async throws {
        watch.started(name)
        defer { watch.finished(name) }
        try await withGracefulShutdownHandler {
            try await service.run()
        } onGracefulShutdown: { [watch] in
            watch.shutdownBegan()
        }
    }
}
