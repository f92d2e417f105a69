import Logging
import PostgresNIO
import PostgresStore
import ServiceLifecycle

/// On PostgreSQL: looks at the qactl replication slots every `interval`. A
/// slot no instance uses keeps WAL on the server until someone drops it, so
/// each one is named in the log (again every few hours while it stays), and
/// every slot's retained WAL is a `/metrics` gauge.
struct SlotMonitor: Service {
    let client: PostgresClient
    /// This instance's own slot.
    let ownSlot: String
    let metrics: ServerMetrics
    let logger: Logger
    var interval: Duration = .seconds(10)
    var remindEvery: Duration = .seconds(6 * 3600)

    func run() async throws {
        var named: [String: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            do {
                let slots = try await ReplicationSlots.list(client: client, logger: logger)
                metrics.recordSlots(slots, own: ownSlot)
                for slot in slots where !slot.isActive && slot.name != ownSlot {
                    if let last = named[slot.name], ContinuousClock.now - last < remindEvery { continue }
                    named[slot.name] = .now
                    let kept = slot.retainedBytes.map { "\($0 / 1024) kB" } ?? "an unknown amount"
                    logger.warning(
                        "replication slot \(slot.name) is not in use and keeps \(kept) of WAL on the server; if its instance is gone for good: qactl slots drop \(slot.name)")
                }
            } catch {
                logger.debug("could not list replication slots", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }
}
