import AsyncHTTPClient
import QACtlSync

/// Shape mode: follows one shape through the gatekeeper of a running
/// `qactl serve` and prints a line per transaction.
///
/// With `--from now` (and no `--await`) it starts at `offset=now`, so the
/// history is never downloaded. `--from start` and `--await` start at `-1`:
/// the snapshot's `snapshot-end` bounds are what tell `--await` that a txid is
/// already visible; with `--from now` the snapshot and the log up to the
/// first up-to-date are read (for `--await`) but not printed.
struct ShapeTail: Sendable {
    let source: ShapeSource
    let options: TailOptions
    let printer: TailPrinter

    /// Thrown from the event handler to stop the stream once the txid is there.
    private struct Reached: Error {
        let evidence: AwaitEvidence
    }

    func run() async throws -> TailOutcome {
        let httpClient = ShapeAccess.makeHTTPClient()
        let result: Result<TailOutcome, any Error>
        do {
            result = .success(try await run(httpClient))
        } catch {
            result = .failure(error)
        }
        try? await httpClient.shutdown()
        return try result.get()
    }

    private func run(_ httpClient: HTTPClient) async throws -> TailOutcome {
        let access = try ShapeAccess(source: source, httpClient: httpClient)
        let tokens = ShapeTokenProvider(api: access.api)
        let request = source.tokenRequest
        let token = try await access.firstToken(from: tokens)
        var configuration = ShapeStreamConfiguration.gatekeeper(
            baseURL: source.server, table: request.table, params: request.params, tokens: tokens)
        var announced = false
        if options.from == .now && options.awaitTxid == nil {
            let position = try await access.currentPosition(token: token.token)
            configuration.resume = position
            printer.ready(.shape(shape: request.description, server: source.server, offset: position.offset.description))
            announced = true
        }
        let progress = TailProgress()
        let deadline = options.awaitTxid == nil ? nil : options.timeout
        let target = options.awaitTxid ?? 0
        return try await Deadline.run(deadline, onTimeout: { progress.timeoutError(txid: target, timeout: options.timeout) }) {
            [configuration, announced] in
            try await follow(configuration, httpClient: httpClient, announced: announced, progress: progress)
        }
    }

    private func follow(
        _ configuration: ShapeStreamConfiguration, httpClient: HTTPClient, announced: Bool, progress: TailProgress
    ) async throws -> TailOutcome {
        let request = source.tokenRequest
        var announced = announced
        do {
            try await ShapeStream(configuration, httpClient: httpClient).run { event in
                switch event {
                case .mustRefetch(let reason):
                    printer.note("the shape was reset (\(reason)); following it again from its snapshot")
                case .batch(let batch):
                    let split = ShapeTransactions(batch, table: request.table)
                    // The batch that first brings the tail up to date is history
                    // (committed before it started): printed only with --from start.
                    let isHistory = !announced
                    if options.from == .start, let snapshot = split.snapshot { printer.emit(snapshot) }
                    if options.from == .start || !isHistory {
                        for line in split.transactions {
                            printer.emit(line)
                            progress.saw(line.txids)
                        }
                    }
                    if !announced {
                        printer.ready(.shape(shape: request.description, server: source.server, offset: batch.position.offset.description))
                        announced = true
                    }
                    guard let target = options.awaitTxid else { return }
                    if split.transactions.contains(where: { $0.txids.contains(target) }) { throw Reached(evidence: .change) }
                    if batch.snapshots.contains(where: { $0.isVisible(target) }) { throw Reached(evidence: .snapshot) }
                }
            }
        } catch let reached as Reached {
            let txid = options.awaitTxid ?? 0
            printer.emit(AwaitedLine(txid: txid, evidence: reached.evidence))
            return .awaited(txid: txid, evidence: reached.evidence)
        } catch {
            throw ShapeAccess.tailError(error, server: source.server)
        }
        // The stream returns only when its task is cancelled (a signal, or the timeout).
        return .stopped
    }
}
