import Foundation
import ShapeWire
import QACtlSync

extension BenchmarkScenario {
    /// A 100,000-row snapshot batch applied to a collection, against building
    /// the same rows into a plain dictionary (the least any client must do).
    static func clientSnapshot(rows: Int) async throws -> BenchmarkResult {
        let changes = (0..<rows).map { index in
            ChangeMessage(key: "\"public\".\"messages\"/\"m-\(index)\"", operation: .insert, value: messageRow(index), txids: [])
        }
        let batch = ShapeBatch(
            changes: changes, replacesRows: true, txids: [], snapshots: [SnapshotBounds(xmin: 1, xmax: 1)], globalLastSeenLSN: nil,
            position: ShapePosition(handle: "h", offset: Offset(tx: 0, op: 0)))

        let baselineStart = ContinuousClock.now
        var plain: [String: Row] = [:]
        plain.reserveCapacity(rows)
        for change in changes { plain[change.value["id"] ?? change.key] = change.value }
        let baseline = Double(plain.count) / (ContinuousClock.now - baselineStart).secondsValue

        let collection = SyncCollection(id: "bench", shape: nil)
        let start = ContinuousClock.now
        await collection.receive(.batch(batch))
        let applied = await collection.rows.count
        let rate = Double(rows) / (ContinuousClock.now - start).secondsValue
        guard applied == rows else { throw BenchmarkError("the collection holds \(applied) of \(rows) rows") }
        return BenchmarkResult(
            scenario: "client-snapshot", summary: "SyncClient applies a \(rows)-row snapshot batch to a collection",
            figures: [.init(name: "rows_per_second", value: rate, unit: "rows/s")],
            baseline: .init(name: "the same rows into a plain dictionary", value: baseline, unit: "rows/s"),
            ratio: rate / baseline, target: "≥ 200,000 rows/s", met: rate >= 200_000)
    }

    /// One changed row in a 10,000-row live query (ordered by created_at): time
    /// from the batch reaching the collection to the query's update.
    static func liveQueryChange(rows: Int, iterations: Int) async throws -> BenchmarkResult {
        let collection = SyncCollection(id: "bench", shape: nil)
        let snapshot = (0..<rows).map { ChangeMessage(key: "m-\($0)", operation: .insert, value: messageRow($0), txids: []) }
        await collection.receive(.batch(batch(snapshot, replaces: true, tx: 0)))
        var withoutQuery = Samples()
        for index in 0..<iterations {
            let start = ContinuousClock.now
            await collection.receive(.batch(batch([update(index, "plain \(index)")], replaces: false, tx: UInt64(index + 1))))
            withoutQuery.add(ContinuousClock.now - start)
        }

        let query = collection.liveQuery(orderBy: [.ascending("created_at", as: .timestamp)])
        var updates = query.updates().makeAsyncIterator()
        guard let first = await updates.next(), first.rows.count == rows else { throw BenchmarkError("the live query did not load") }
        var samples = Samples()
        for index in 0..<iterations {
            let start = ContinuousClock.now
            await collection.receive(.batch(batch([update(index, "edited \(index)")], replaces: false, tx: UInt64(iterations + index + 1))))
            guard let next = await updates.next() else { throw BenchmarkError("the live query ended") }
            samples.add(ContinuousClock.now - start)
            guard next.updated.count + next.inserted.count >= 1 else { throw BenchmarkError("the update carried no change") }
        }
        let p50 = samples.percentile(50)
        return BenchmarkResult(
            scenario: "live-query", summary: "one changed row in a \(rows)-row live query ordered by created_at",
            figures: [.init(name: "p50", value: p50, unit: "ms"), .init(name: "p99", value: samples.percentile(99), unit: "ms")],
            baseline: .init(name: "applying the same change without a live query (p50)", value: withoutQuery.percentile(50), unit: "ms"),
            ratio: p50 / withoutQuery.percentile(50), target: "< 1 ms", met: p50 < 1)
    }

    private static func messageRow(_ index: Int) -> Row {
        let micros = 1_795_900_000_000_000 + Int64(index) * 1000
        let stamp = PostgresText.timestamp(microsecondsSinceEpoch: micros)
        return Row([
            "id": "m-\(index)", "conversation_id": "c-1", "user_id": "bench", "role": index % 2 == 0 ? "user" : "assistant",
            "status": "completed", "content": "Message number \(index)", "created_at": stamp, "updated_at": stamp,
        ])
    }

    private static func update(_ index: Int, _ content: String) -> ChangeMessage {
        let row = (index * 7919) % 10_000
        return ChangeMessage(key: "m-\(row)", operation: .update, value: Row(["id": "m-\(row)", "content": content]), txids: [])
    }

    private static func batch(_ changes: [ChangeMessage], replaces: Bool, tx: UInt64) -> ShapeBatch {
        ShapeBatch(
            changes: changes, replacesRows: replaces, txids: [], snapshots: [], globalLastSeenLSN: nil,
            position: ShapePosition(handle: "h", offset: Offset(tx: tx, op: 0)))
    }
}
