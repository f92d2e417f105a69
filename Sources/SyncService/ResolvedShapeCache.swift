import ShapeWhere
import ShapeWire
import Synchronization

/// Recently resolved definitions, so that a client polling the same shape again
/// and again does not parse and type-check its `where` on every request (the
/// parse was a tenth of a live poll's cost). Bounded: when full it starts over.
final class ResolvedShapeCache: Sendable {
    private let entries = Mutex<[ShapeDefinition: ResolvedShape]>([:])
    let capacity: Int

    init(capacity: Int = 4096) {
        self.capacity = capacity
    }

    func resolve(_ definition: ShapeDefinition, table: TableSchema) throws(WhereError) -> ResolvedShape {
        // Keyed by the definition alone: it names its table, and a service's
        // tables are fixed for its life (a schema change drops shapes, not tables).
        if let cached = entries.withLock({ $0[definition] }) { return cached }
        let resolved = try ResolvedShape(definition: definition, table: table)
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[definition] = resolved
        }
        return resolved
    }
}
