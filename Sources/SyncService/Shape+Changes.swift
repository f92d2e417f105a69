import ShapeWire
import SyncModel

extension Shape {
    /// The log entries `transaction` produces for this shape, in op order, with
    /// `last: true` on the final one. Updates that move a row into the shape
    /// become inserts, out of it deletes; a primary-key change becomes a delete
    /// of the old key and an insert of the new one.
    func entries(for transaction: CommittedTransaction, visibility: SnapshotVisibility) -> [ShapeLog.Entry] {
        var messages: [(offset: Offset, make: (Bool) -> String)] = []
        let table = resolved.table
        let columns = resolved.selectedColumns
        let full = resolved.definition.replica == .full
        let keyColumns = table.primaryKey

        for change in transaction.changes where change.table == table.name && !visibility.contains(change, txid: transaction.txid) {
            let oldMatch = change.old.map(resolved.matches) ?? false
            let newMatch = change.new.map(resolved.matches) ?? false
            let position = change.opPosition
            func add(_ operation: ShapeMessage.Operation, key: String, value: String, oldValue: String? = nil, op: Int64 = position) {
                let offset = Offset(tx: transaction.lsn, op: op)
                messages.append((offset, { last in
                    ShapeMessage.change(
                        key: key, operation: operation, value: value, oldValue: oldValue, relation: self.relation,
                        lsn: transaction.lsn, opPosition: op, txid: transaction.txid, last: last)
                }))
            }
            switch (change.old, change.new) {
            case (nil, let new?) where newMatch:
                add(.insert, key: table.rowKey(new), value: JSONText.row(new, columns: columns))
            case (let old?, nil) where oldMatch:
                add(.delete, key: table.rowKey(old), value: JSONText.row(old, columns: full ? columns : keyColumns))
            case (let old?, let new?):
                let oldKey = table.rowKey(old)
                let newKey = table.rowKey(new)
                if oldMatch && newMatch && oldKey == newKey {
                    let changed = columns.filter { (old[$0] ?? nil) != (new[$0] ?? nil) }
                    guard !changed.isEmpty else { continue }
                    if full {
                        add(.update, key: newKey, value: JSONText.row(new, columns: columns), oldValue: JSONText.row(old, columns: changed))
                    } else {
                        add(.update, key: newKey, value: JSONText.row(new, columns: keyColumns + changed.filter { !keyColumns.contains($0) }))
                    }
                } else {
                    if oldMatch {
                        add(.delete, key: oldKey, value: JSONText.row(old, columns: full ? columns : keyColumns))
                    }
                    if newMatch {
                        add(.insert, key: newKey, value: JSONText.row(new, columns: columns), op: oldMatch ? position + 1 : position)
                    }
                }
            default:
                continue
            }
        }
        return messages.enumerated().map { index, message in
            ShapeLog.Entry(offset: message.offset, json: message.make(index == messages.count - 1))
        }
    }

    /// Snapshot rows as body chunks of about `chunkBytes` each, the last one
    /// ending with `snapshot-end`.
    func makeSnapshotChunks(_ snapshot: TableSnapshot, chunkBytes: Int) -> [String] {
        var chunks: [String] = []
        var current: [UInt8] = []
        current.reserveCapacity(min(chunkBytes, 1 << 24) + 1024)
        for row in snapshot.rows {
            if !current.isEmpty { current.append(UInt8(ascii: ",")) }
            ShapeMessage.appendSnapshotRow(row, table: resolved.table, columns: resolved.selectedColumns, relation: relation, to: &current)
            if current.count >= chunkBytes {
                chunks.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { current.append(UInt8(ascii: ",")) }
        current.append(contentsOf: ShapeMessage.snapshotEnd(xmin: snapshot.xmin, xmax: snapshot.xmax, xip: snapshot.xip).utf8)
        chunks.append(String(decoding: current, as: UTF8.self))
        return chunks
    }
}
