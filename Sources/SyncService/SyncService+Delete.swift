import ShapeWire

extension SyncService {
    /// `DELETE /v1/shape` (Electric's operator call): drops a shape named by
    /// `handle`, by its definition (`table`, `where`, …), or by both; its
    /// clients get a 409 and refetch. Only when the server allows it, and only
    /// for callers with the secret (checked before this).
    func deleteShape(_ call: ShapeCall, reply: ShapeReply) async -> ShapeAnswer {
        guard configuration.allowsShapeDeletion else {
            return reply.error(405, "Shape deletion is disabled (start qactl serve with --allow-shape-deletion)")
        }
        let handle = call.query.last { $0.name == ShapeParameter.handle }?.value.nilIfEmpty
        var doomed: Shape?
        if call.query.contains(where: { $0.name == ShapeParameter.table }) {
            // The definition as a GET would give it; the position is irrelevant here.
            let query = call.query.filter { ![ShapeParameter.offset, ShapeParameter.live, ShapeParameter.handle].contains($0.name) }
                + [(name: ShapeParameter.offset, value: "-1")]
            switch ShapeRequest.parse(query, tables: tables) {
            case .failure(let invalid): return reply.invalid(invalid.errors)
            case .success(let (_, resolved)):
                doomed = handleByIdentity[resolved.identity].flatMap { shapes[$0] }
                if let handle, doomed?.handle != handle { doomed = nil }
            }
        } else if let handle {
            doomed = shapes[handle]
        } else {
            return reply.invalid([ShapeParameter.handle: ["can't be blank when shape definition is missing"]])
        }
        guard let shape = doomed else { return reply.error(404, "Shape not found") }
        logger.info("shape deleted on request", metadata: ["handle": "\(shape.handle)"])
        await invalidate([shape])
        return reply.accepted()
    }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
