import ChangeFeed
import PostgresStore
import Foundation
import HTTPTypes
import Hummingbird
import SyncService

/// `/inspect`: the inspector's page, and `/inspect/api/…`, the JSON it (and
/// `qactl inspect`) reads, behind ``InspectorAuthMiddleware``.
struct InspectionRoutes {
    let sync: SyncService?
    let tally: RequestTally
    let clients: ClientActivity
    let answers: AnswerQueue?
    /// PostgreSQL's replication feed, when the server runs on it.
    let feed: ReplicationFeed?
    let secret: String?
    /// `sqlite` or `postgres`, and whether shapes come from a real Electric.
    let store: String
    /// Every qactl instance's slot on the database, as last looked at (PostgreSQL).
    let slots: @Sendable () -> (slots: [ReplicationSlots.Slot], own: String)?

    /// Shapes whose rows the list counts (the rest show `null` rows); each costs a parse of its content.
    static let shapesWithRowCounts = 200
    /// Log entries a shape's detail shows, newest.
    static let recentLogEntries = 50

    func register(on router: Router<APIRequestContext>) {
        ConsoleRoutes.page("/inspect", on: router) { _ in "inspect.html" }
        let api = router.group("/inspect/api").add(middleware: InspectorAuthMiddleware(secret: secret))
        api.get("overview") { _, _ in try await Self.json(overview()) }
        api.get("shapes") { _, _ in try await Self.json(shapes()) }
        api.get("shapes/:handle") { _, context in
            let handle = context.parameters.get("handle") ?? ""
            guard let detail = try await shape(handle) else { throw APIError(.notFound, "No shape with handle \(handle)") }
            return try Self.json(detail)
        }
        api.get("transactions") { _, _ in try await Self.json(transactions()) }
        api.get("clients") { _, _ in try Self.json(["clients": try Self.plain(clients.snapshot())]) }
        api.get("as-user") { request, _ in
            guard let sync else { throw APIError(.notFound, "The as-user view reads the embedded sync service; this server reads a real Electric") }
            return try Self.json(try await AsUserView(sync: sync).view(user: request.uri.queryParameters.get("user") ?? ""))
        }
    }

    func overview() async throws -> [String: Any] {
        var result: [String: Any] = ["store": store, "clients": clients.snapshot().count, "requests": try Self.plain(tally.routes())]
        if let sync { result["sync"] = try Self.plain(await sync.overview) }
        if let feed {
            // The slot qactl reads, whether it streams, and how far qactl has confirmed it (WAL before it can be recycled).
            result["replication"] = [
                "slot": feed.slotName, "connected": feed.isConnected, "confirmedLSN": String(feed.confirmedLSN),
                "reconnects": feed.reconnects, "backendPID": feed.backendPID.map { Int($0) as Any } ?? NSNull(),
            ] as [String: Any]
        }
        if let (slots, own) = slots() {
            // Other instances' slots too: an unused one keeps WAL until someone drops it.
            result["slots"] = slots.map { slot -> [String: Any] in
                ["name": slot.name, "active": slot.isActive, "walStatus": slot.walStatus ?? NSNull(),
                 "retainedBytes": slot.retainedBytes.map { Int($0) as Any } ?? NSNull(), "thisInstance": slot.name == own]
            }
        }
        if let answers {
            let (queued, running) = await answers.inspection
            result["answers"] = ["queued": queued, "running": running]
        }
        return result
    }

    func shapes() async throws -> [String: Any] {
        guard let sync else { return ["shapes": []] }
        let summaries = await sync.shapeSummaries()
        var list: [Any] = []
        for (index, summary) in summaries.enumerated() {
            var entry = try Self.plain(summary) as? [String: Any] ?? [:]
            if index < Self.shapesWithRowCounts, let content = await sync.shapeContent(handle: summary.handle) {
                entry["rows"] = ShapeRows.materialize(snapshotChunks: content.snapshotChunks, log: content.log.map(\.json)).count
            } else {
                entry["rows"] = NSNull()
            }
            list.append(entry)
        }
        return ["shapes": list]
    }

    func shape(_ handle: String) async throws -> [String: Any]? {
        guard let sync, let content = await sync.shapeContent(handle: handle) else { return nil }
        let rows = ShapeRows.materialize(snapshotChunks: content.snapshotChunks, log: content.log.map(\.json))
        var summary = try Self.plain(content.summary) as? [String: Any] ?? [:]
        summary["rows"] = rows.count
        let log = content.log.suffix(Self.recentLogEntries).map { entry -> [String: Any] in
            ["offset": entry.offset, "message": (try? JSONSerialization.jsonObject(with: Data(entry.json.utf8))) ?? entry.json]
        }
        return ["shape": summary, "rows": rows.map { ["key": $0.key, "value": $0.value] }, "log": log]
    }

    func transactions() async throws -> [String: Any] {
        guard let sync else { return ["transactions": []] }
        let records = sync.recentTransactions
        return ["transactions": try records.map { record -> Any in
            var entry = try Self.plain(record) as? [String: Any] ?? [:]
            if let committed = record.committedAtMilliseconds {
                entry["commitToAppliedMs"] = record.appliedAtMilliseconds - committed
                entry["commitToDeliveredMs"] = record.firstDeliveredAtMilliseconds.map { $0 - committed } ?? NSNull()
            }
            return entry
        }]
    }

    /// A Codable value as JSON objects, to mix with computed fields.
    static func plain(_ value: some Encodable) throws -> Any {
        try JSONSerialization.jsonObject(with: JSONEncoder().encode(value), options: [.fragmentsAllowed])
    }

    static func json(_ object: [String: Any]) throws -> Response {
        var fields = HTTPFields()
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] = "no-store"
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: .init(bytes: data)))
    }
}
