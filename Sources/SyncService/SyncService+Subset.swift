import Foundation
import ShapeWire
import SyncModel

extension SyncService {
    /// A subset snapshot of `shape`: the rows its subset selects, read now,
    /// with the snapshot's transaction bounds so the client can drop any log
    /// change it already holds, and the shape's offset at the time, from which
    /// its stream continues (nothing committed after it can be missed: it is
    /// either in the rows or in the log after that offset).
    nonisolated func serveSubset(_ subset: SubsetRequest, of shape: Shape, reply: ShapeReply) async -> ShapeAnswer {
        let offset = shape.lastOffset
        let query = shape.resolved.snapshotQuery(dialect: store.sqlDialect, subset: subset)
        let snapshot: TableSnapshot
        do {
            snapshot = try await store.snapshot(of: shape.resolved.table, query: query)
        } catch {
            logger.error("subset snapshot failed", metadata: ["handle": "\(shape.handle)", "error": "\(String(reflecting: error))"])
            return reply.unavailable("Failed to read the subset, please retry", retryAfter: 1)
        }
        // Electric marks each subset with a random number the client tracks it by.
        let mark = Int.random(in: 0..<(1 << 31))
        var data: [UInt8] = []
        for row in snapshot.rows {
            if !data.isEmpty { data.append(UInt8(ascii: ",")) }
            ShapeMessage.appendSnapshotRow(row, table: shape.resolved.table, columns: shape.resolved.selectedColumns,
                                           relation: shape.relation, snapshotMark: mark, to: &data)
        }
        let metadata = JSONText.object([
            ("xmin", JSONText.quoted(String(snapshot.xmin))), ("xmax", JSONText.quoted(String(snapshot.xmax))),
            ("xip_list", "[" + snapshot.xip.map { JSONText.quoted(String($0)) }.joined(separator: ",") + "]"),
            ("snapshot_mark", String(mark)), ("database_lsn", JSONText.quoted(String(snapshot.lsn))),
        ])
        return reply.subset(body: "{\"metadata\":" + metadata + ",\"data\":[" + String(decoding: data, as: UTF8.self) + "]}", offset: offset)
    }
}
