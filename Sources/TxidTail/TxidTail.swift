import Foundation
import LocalSetup

/// `qactl tail-txid`: prints one line per committed transaction, from a
/// shape (through a running `qactl serve`) or straight from PostgreSQL's
/// logical replication stream.
///
/// ```swift
/// let options = try TailOptions(arguments, environment: ProcessInfo.processInfo.environment, stdoutIsTerminal: isatty(1) == 1)
/// do {
///     let outcome = try await TxidTail.run(options)      // .stopped, or .awaited(txid:evidence:)
/// } catch let error as TailError {
///     exit(error.exitStatus)                              // 1, 2, 3 or 4
/// }
/// ```
public enum TxidTail {
    /// Follows until a signal (SIGINT or SIGTERM, when `trapSignals`), a
    /// closed output or cancellation stops it, or until `--await`'s txid is there.
    ///
    /// Returns ``TailOutcome/stopped`` when stopped while only following and
    /// ``TailOutcome/awaited(txid:evidence:)`` once the txid is seen; throws a
    /// ``TailError`` otherwise: `timed_out` when `--timeout` passes first,
    /// `interrupted` when a signal comes before the txid, and the failure's own
    /// code for the rest. PostgreSQL mode cleans up on every one of these paths.
    public static func run(
        _ options: TailOptions, output: any TailOutput = StandardTailOutput(), trapSignals: Bool = true
    ) async throws -> TailOutcome {
        let stop = TailStop()
        let printer = TailPrinter(format: options.format, output: output, stop: stop)
        let work = Task { () async throws -> TailOutcome in
            switch options.source {
            case .shape(let source):
                try await ShapeTail(source: source, options: options, printer: printer).run()
            case .postgres(let url):
                try await ReplicationTail(url: url, options: options, printer: printer).run()
            }
        }
        stop.onStop { work.cancel() }
        // A write to a closed stdout must fail with EPIPE (which stops the tail), not kill the process.
        if trapSignals { signal(SIGPIPE, SIG_IGN) }
        let signals = trapSignals ? await SignalStream([.sigint, .sigterm]) : nil
        let signalHandling = Task {
            guard let signals else { return }
            for await received in signals.signals where !stop.stop(.signal(received.description)) {
                output.note("\(received) again: still cleaning up; SIGKILL stops at once but may leave the publication behind")
            }
        }
        let result = await withTaskCancellationHandler {
            await work.result
        } onCancel: {
            work.cancel()
        }
        signalHandling.cancel()
        signals?.stop()
        if trapSignals { signal(SIGPIPE, SIG_DFL) }
        let stoppedEarly = stop.reason != nil || Task.isCancelled
        switch result {
        case .success(.stopped) where options.awaitTxid != nil:
            throw interrupted(options, reason: stop.reason)
        case .success(let outcome):
            return outcome
        case .failure(let error as TailError) where error.code == .timedOut:
            throw error
        case .failure where stoppedEarly:
            // A stop during start-up or clean-up: the failure is its echo, not the cause.
            if options.awaitTxid != nil { throw interrupted(options, reason: stop.reason) }
            return .stopped
        case .failure(let error as TailError):
            throw error
        case .failure(let error):
            if case .shape(let source) = options.source { throw ShapeAccess.tailError(error, server: source.server) }
            throw ReplicationTail.tailError(error)
        }
    }

    private static func interrupted(_ options: TailOptions, reason: TailStop.Reason?) -> TailError {
        let cause = switch reason {
        case .signal(let name)?: "\(name) stopped the tail"
        case .outputClosed?: "the output was closed"
        case nil: "the tail was cancelled"
        }
        return TailError(.interrupted, "\(cause) before txid \(options.awaitTxid ?? 0) was seen")
    }
}
