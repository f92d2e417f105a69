import Foundation

/// `qactl inspect`'s table output: one view of the inspector's JSON as aligned
/// columns. Pure (JSON in, lines out), so the tests check it on values.
public enum InspectionReport {
    /// What `qactl inspect` can show, and the API path it reads.
    public enum View: String, CaseIterable, Sendable {
        case overview, shapes, shape, transactions, clients
        case asUser = "as-user"

        /// `argument`: the shape's handle, or the user.
        public func path(argument: String?) -> String {
            switch self {
            case .asUser: return "/inspect/api/as-user?user=" + (argument ?? "").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            case .shape: return "/inspect/api/shapes/" + (argument ?? "").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"]))!
            default: return "/inspect/api/" + rawValue
            }
        }
    }

    public static func lines(_ view: View, json: [String: Any]) -> [String] {
        switch view {
        case .overview: return overview(json)
        case .shapes: return table(json["shapes"], [
            ("handle", "handle"), ("table", "table"), ("where", "where"), ("params", "params"), ("rows", "rows"), ("log", "logEntries"),
            ("subscribers", "subscribers"), ("last offset", "lastOffset"),
        ])
        case .shape: return shape(json)
        case .asUser: return asUser(json)
        case .transactions: return table(json["transactions"], [
            ("txid", "txid"), ("tables", "tables"), ("rows", "rows"), ("shapes", "shapes"), ("commit→applied ms", "commitToAppliedMs"),
            ("commit→delivered ms", "commitToDeliveredMs"),
        ])
        case .clients: return table(json["clients"], [
            ("user", "user"), ("table", "table"), ("params", "params"), ("live polls", "livePolls"), ("requests", "requests"),
            ("last status", "lastStatus"), ("last offset", "lastOffset"),
        ])
        }
    }

    static func overview(_ json: [String: Any]) -> [String] {
        var pairs: [(String, String)] = [("store", text(json["store"])), ("clients", text(json["clients"]))]
        if let sync = json["sync"] as? [String: Any] {
            for key in ["shapes", "waitingPolls", "liveRequests", "snapshotRequests", "position", "lastSeenLSN", "caughtUp", "lastApplyLagMilliseconds"] {
                pairs.append((key, text(sync[key])))
            }
        }
        if let replication = json["replication"] as? [String: Any] {
            for key in ["slot", "connected", "confirmedLSN", "reconnects"] { pairs.append(("replication." + key, text(replication[key]))) }
        }
        if let answers = json["answers"] as? [String: Any] {
            pairs += [("answersQueued", text(answers["queued"])), ("answersRunning", text(answers["running"]))]
        }
        let width = pairs.map(\.0.count).max() ?? 0
        var lines = pairs.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
        if let slots = json["slots"] as? [Any], !slots.isEmpty {
            lines.append("")
            lines += table(slots, [("slot", "name"), ("in use", "active"), ("wal status", "walStatus"), ("WAL kept (bytes)", "retainedBytes"),
                                   ("this instance", "thisInstance")])
        }
        if let routes = json["requests"] as? [Any], !routes.isEmpty {
            lines.append("")
            lines += table(routes, [("route", "route"), ("requests", "requests"), ("last minute", "lastMinute"), ("errors", "errors")])
        }
        return lines
    }

    static func asUser(_ json: [String: Any]) -> [String] {
        var lines: [String] = []
        for shape in json["shapes"] as? [[String: Any]] ?? [] {
            let rows = shape["rows"] as? [Any] ?? []
            lines.append("\(text(shape["table"]))  where \(text(shape["where"]))  params \(text(shape["params"]))  \(rows.count) rows")
            for row in rows { lines.append("  " + text(row)) }
        }
        return lines
    }

    static func shape(_ json: [String: Any]) -> [String] {
        let shape = json["shape"] as? [String: Any] ?? [:]
        var lines = ["shape \(text(shape["handle"]))  table \(text(shape["table"]))  where \(text(shape["where"]))  params \(text(shape["params"]))  rows \(text(shape["rows"]))"]
        lines.append("rows:")
        for row in json["rows"] as? [[String: Any]] ?? [] { lines.append("  " + text(row["value"])) }
        lines.append("recent log entries:")
        for entry in json["log"] as? [[String: Any]] ?? [] { lines.append("  \(text(entry["offset"]))  \(text(entry["message"]))") }
        return lines
    }

    /// Aligned columns (header, then one line per item); "(none)" when there are no items.
    static func table(_ items: Any?, _ columns: [(title: String, key: String)]) -> [String] {
        let items = items as? [[String: Any]] ?? []
        guard !items.isEmpty else { return ["(none)"] }
        let cells = items.map { item in columns.map { text(item[$0.key]) } }
        let widths = columns.indices.map { index in max(columns[index].title.count, cells.map { $0[index].count }.max() ?? 0) }
        func line(_ values: [String]) -> String {
            zip(values, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ")
                .replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        return [line(columns.map(\.title))] + cells.map(line)
    }

    /// A JSON value as one line of text (counts by name as "a 1, b 2", other objects and arrays as compact JSON, null as "—").
    static func text(_ value: Any?) -> String {
        switch value {
        case nil, is NSNull: return "—"
        case let string as String: return string
        case let number as NSNumber:
            // JSON booleans decode as NSNumbers of C type char.
            if String(cString: number.objCType) == "c" { return number.boolValue ? "yes" : "no" }
            return number.stringValue
        case let counts as [String: Any] where !counts.isEmpty && counts.values.allSatisfy({ $0 is NSNumber }):
            // Counts by name (a transaction's rows per table): "conversations 1, messages 2".
            return counts.sorted { $0.key < $1.key }.map { "\($0.key) \(text($0.value))" }.joined(separator: ", ")
        case let other?:
            guard JSONSerialization.isValidJSONObject(other),
                let data = try? JSONSerialization.data(withJSONObject: other, options: [.sortedKeys, .withoutEscapingSlashes])
            else { return "\(other)" }
            return String(decoding: data, as: UTF8.self)
        }
    }
}
