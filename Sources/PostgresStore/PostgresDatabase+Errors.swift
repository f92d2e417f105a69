import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization
import SyncModel

extension PostgresDatabase {
    /// How long one store call may take, waiting for a pooled connection
    /// included. While PostgreSQL is down the pool keeps reconnecting and
    /// callers would wait for it indefinitely; bounded, they get a 503 instead.
    static let callTimeout: Duration = .seconds(5)

    /// Runs one store call bounded by ``callTimeout``, with postgres-nio's
    /// errors turned into ``StoreError``s that say what happened: `unavailable`
    /// (try again later) for a lost or refused connection or a server shutting
    /// down, `failed` with PostgreSQL's own message otherwise.
    ///
    /// The caller is answered at the deadline or at its cancellation even if
    /// the call itself does not stop then (a query on a connection to a
    /// server that vanished can outlive both): it is cancelled and left to
    /// finish on its own, so no request, answer or shutdown waits on it.
    /// A nil `timeout` (snapshots, which take as long as the table is large)
    /// only maps errors.
    func guarded<T: Sendable>(
        _ operation: String, timeout: Duration? = callTimeout, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        do {
            guard let timeout else { return try await body() }
            let outcome = OneShot<T>()
            let call = CallHandle()
            // An event-loop timer, cancelled when the call ends. (A sleeping task's timer
            // stayed pending for the whole timeout after every call: thousands at a time.)
            let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(timeout)) {
                outcome.resume(with: .failure(StoreError(.unavailable, "PostgreSQL did not answer \(operation) within \(timeout.components.seconds) s")))
                call.cancel()
            }
            call.start {
                do { outcome.resume(with: .success(try await body())) } catch { outcome.resume(with: .failure(error)) }
                timer.cancel()
            }
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in outcome.attach(continuation) }
            } onCancel: {
                call.cancel()
                timer.cancel()
                outcome.resume(with: .failure(CancellationError()))
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// The ``StoreError`` for an error of postgres-nio (or one already a StoreError).
    static func storeError(_ error: any Error, operation: String) -> StoreError {
        var underlying = error
        if let transaction = error as? PostgresTransactionError {
            underlying = transaction.beginError ?? transaction.closureError ?? transaction.commitError ?? transaction.rollbackError ?? error
        }
        if let store = underlying as? StoreError { return store }
        guard let psql = underlying as? PSQLError else {
            return StoreError(.failed, "\(operation) failed: \(String(reflecting: underlying))")
        }
        let state = psql.serverInfo?[.sqlState] ?? ""
        let serverMessage = psql.serverInfo?[.message]
        switch psql.code {
        case .server:
            // 08: connection exceptions; 57P01-57P03: shutdown, crash recovery, not yet accepting connections.
            if state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
                return StoreError(.unavailable, "PostgreSQL is unavailable (\(state): \(serverMessage ?? "connection lost"))")
            }
            return StoreError(.failed, "\(operation) failed in PostgreSQL (\(state)): \(serverMessage ?? "no message")")
        case .connectionError:
            let cause = psql.underlying.map { ": \(String(reflecting: $0))" } ?? ""
            return StoreError(.unavailable, "PostgreSQL is unavailable (cannot connect\(cause))")
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return StoreError(.unavailable, "PostgreSQL is unavailable (the connection was lost)")
        case .poolClosed:
            return StoreError(.unavailable, "PostgreSQL is unavailable (the connection pool is closed: qactl is shutting down)")
        default:
            return StoreError(.failed, "\(operation) failed: \(String(reflecting: psql))")
        }
    }
}

/// A continuation resumed by whichever of several racers comes first; the
/// others are ignored. A result that arrives before the continuation is
/// attached is kept for it.
final class OneShot<T: Sendable>: Sendable {
    private enum State {
        case waiting
        case attached(CheckedContinuation<T, any Error>)
        case early(Result<T, any Error>)
        case done
    }

    private let state = Mutex(State.waiting)

    func attach(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLock { state -> Result<T, any Error>? in
            switch state {
            case .waiting:
                state = .attached(continuation)
                return nil
            case .early(let result):
                state = .done
                return result
            case .attached, .done:
                return nil
            }
        }
        if let early { continuation.resume(with: early) }
    }

    func resume(with result: Result<T, any Error>) {
        let continuation = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .waiting:
                state = .early(result)
                return nil
            case .attached(let continuation):
                state = .done
                return continuation
            case .early, .done:
                return nil
            }
        }
        continuation?.resume(with: result)
    }
}

/// The task running a guarded call, for the deadline to cancel; a deadline
/// that comes before the task exists leaves it to finish on its own.
final class CallHandle: Sendable {
    private let task = Mutex<Task<Void, Never>?>(nil)

    func start(_ body: @escaping @Sendable () async -> Void) {
        let started = Task { await body() }
        task.withLock { $0 = started }
    }

    func cancel() { task.withLock { $0 }?.cancel() }
}
