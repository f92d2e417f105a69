import Foundation
import ShapeWhere
import ShapeWire

extension ShapeRequest {
    /// Validates the query of a `/v1/shape` call against the served tables.
    /// Unknown parameters are ignored, as Electric's clients send extra ones.
    static func parse(_ query: Query, tables: [TableSchema], resolvedShapes: ResolvedShapeCache? = nil) -> Result<(ShapeRequest, ResolvedShape), Invalid> {
        var values: [String: String] = [:]
        var params: [Int: String] = [:]
        var invalid = Invalid(errors: [:])
        func reject(_ name: String, _ reason: String) {
            invalid.errors[name, default: []].append(reason)
        }

        for (name, value) in query {
            if name.hasPrefix(ShapeParameter.paramsPrefix) && name.hasSuffix("]") {
                let key = name.dropFirst(ShapeParameter.paramsPrefix.count).dropLast()
                if let number = Int(key), number >= 1, key.allSatisfy(\.isNumber) {
                    params[number] = value
                } else {
                    reject("params", "Parameters can only use numbers as keys")
                }
            } else {
                values[name] = value
            }
        }
        if !params.isEmpty, params.keys.sorted() != Array(1...params.count) {
            reject("params", "Parameters must be numbered sequentially, starting from 1")
        }

        // offset, handle, live
        var offset: RequestedOffset?
        if let text = values[ShapeParameter.offset] {
            offset = RequestedOffset(text)
            if offset == nil { reject(ShapeParameter.offset, "has invalid format") }
        } else {
            reject(ShapeParameter.offset, "can't be blank")
        }
        let live = values[ShapeParameter.live].map(ShapeParameter.isLive) ?? false
        var handle = values[ShapeParameter.handle].flatMap { $0.isEmpty ? nil : $0 }
        switch offset {
        case .offset(.beforeAll)?:
            handle = nil
            if live { reject(ShapeParameter.live, "can't be true when offset == -1") }
        case .now?:
            handle = nil
            if live { reject(ShapeParameter.live, "can't be true when offset is 'now'") }
        case .offset?:
            if handle == nil { reject(ShapeParameter.handle, "can't be blank when offset != -1") }
        case nil:
            break
        }

        let replica = ShapeDefinition.Replica(rawValue: values[ShapeParameter.replica] ?? "default")
        if replica == nil { reject(ShapeParameter.replica, "is invalid") }
        let logMode = ShapeDefinition.LogMode(rawValue: values[ShapeParameter.log] ?? "full")
        if logMode == nil { reject(ShapeParameter.log, "is invalid") }

        // table and columns
        var table: TableSchema?
        if let text = values[ShapeParameter.table], !text.isEmpty {
            switch SQLIdentifier.parseQualified(text) {
            case .success(let (schema, name)):
                table = tables.first { $0.schema == schema && $0.name == name }
                if table == nil {
                    reject(ShapeParameter.table, "Table \"\(schema)\".\"\(name)\" does not exist. If the table name contains capitals or special characters you must quote it.")
                }
            case .failure(let reason):
                reject(ShapeParameter.table, reason.message)
            }
        } else {
            reject(ShapeParameter.table, "can't be blank")
        }

        var columns: [String]?
        if let table, let text = values[ShapeParameter.columns] {
            switch SQLIdentifier.parseList(text) {
            case .failure(let reason):
                reject(ShapeParameter.columns, reason.message)
            case .success(let names):
                let unknown = names.filter { table.column($0) == nil }
                let missing = table.primaryKey.filter { !names.contains($0) }
                if !unknown.isEmpty {
                    reject(ShapeParameter.columns, "The following columns are not found on the table: \(unknown.joined(separator: ", "))")
                } else if !missing.isEmpty {
                    reject(ShapeParameter.columns, "The list of columns must include all primary key columns, missing: \(missing.joined(separator: ", "))")
                } else {
                    // Table order, each once: the same selection is the same shape.
                    columns = table.columnNames.filter(names.contains)
                }
            }
        }

        // live_sse (older clients: experimental_live_sse) only with live.
        let sseText = values[ShapeParameter.liveSSE] ?? values[ShapeParameter.experimentalLiveSSE]
        let liveSSE = sseText.map { $0 != "false" } ?? false
        if liveSSE && !live { reject(ShapeParameter.liveSSE, "can't be true unless live is also true") }

        var subset: SubsetRequest?
        if let table, SubsetRequest.isAsked(in: query) {
            if live { reject(ShapeParameter.live, "subset snapshots are a stable view of data, so they cannot be live") }
            subset = SubsetRequest.parse(values, table: table, columns: columns ?? table.columnNames, reject: reject)
        }

        guard invalid.errors.isEmpty, let offset, let table, let replica, let logMode else {
            return .failure(invalid)
        }
        let whereText = values[ShapeParameter.where].flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let definition = ShapeDefinition(
            table: table.name, whereText: whereText, params: (0..<params.count).map { params[$0 + 1] ?? "" },
            columns: columns, replica: replica, log: logMode)
        let resolved: ResolvedShape
        do {
            if let resolvedShapes {
                resolved = try resolvedShapes.resolve(definition, table: table)
            } else {
                resolved = try ResolvedShape(definition: definition, table: table)
            }
        } catch {
            invalid.errors["where", default: []].append(error.message)
            return .failure(invalid)
        }
        let request = ShapeRequest(
            definition: definition, offset: offset, handle: handle, live: live, cursor: values[ShapeParameter.cursor],
            subset: subset, liveSSE: liveSSE)
        return .success((request, resolved))
    }
}

/// SQL identifiers as the `table` and `columns` parameters write them: unquoted
/// names fold to lower case, "quoted" names keep theirs ("" inside is a quote).
enum SQLIdentifier {
    struct Failure: Error {
        let message: String
    }

    /// `name` or `schema.name`; the schema defaults to `public`.
    static func parseQualified(_ text: String) -> Result<(String, String), Failure> {
        switch parseList(text, separator: ".") {
        case .failure(let failure): return .failure(failure)
        case .success(let parts) where parts.count == 1: return .success(("public", parts[0]))
        case .success(let parts) where parts.count == 2: return .success((parts[0], parts[1]))
        case .success: return .failure(Failure(message: "Invalid table name: expected name or schema.name"))
        }
    }

    /// Identifiers separated by `separator` (`,` for column lists).
    static func parseList(_ text: String, separator: Character = ",") -> Result<[String], Failure> {
        // The common case, plain lower-case names, without going character by character.
        if let separator = separator.asciiValue, let names = plainNames(text, separator: separator) { return .success(names) }
        var names: [String] = []
        var current = ""
        var quoted = false
        var wasQuoted = false
        var characters = Array(text)[...]
        while let character = characters.popFirst() {
            if quoted {
                if character == "\"" {
                    if characters.first == "\"" {
                        current.append("\"")
                        characters.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(character)
                }
            } else if character == "\"" {
                guard current.isEmpty, !wasQuoted else { return .failure(Failure(message: "Invalid identifier: a quote inside a name")) }
                quoted = true
                wasQuoted = true
            } else if character == separator {
                guard !current.isEmpty else { return .failure(Failure(message: "Invalid zero-length delimited identifier")) }
                names.append(current)
                current = ""
                wasQuoted = false
            } else if character == " " && !wasQuoted && current.isEmpty {
                continue
            } else {
                guard !wasQuoted else {
                    if character == " " { continue }
                    return .failure(Failure(message: "Invalid identifier: text after a quoted name"))
                }
                current += character.lowercased()
            }
        }
        if quoted { return .failure(Failure(message: "Invalid identifier: unterminated quote")) }
        let last = wasQuoted ? current : current.trimmingCharacters(in: .whitespaces)
        guard !last.isEmpty else { return .failure(Failure(message: "Invalid zero-length delimited identifier")) }
        names.append(last)
        return .success(names)
    }

    /// Names of `[a-z0-9_]` only, none empty; nil for anything else (the full parser decides).
    private static func plainNames(_ text: String, separator: UInt8) -> [String]? {
        let plain = text.utf8.allSatisfy { byte in
            byte == separator || byte == UInt8(ascii: "_") || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard plain else { return nil }
        let names = text.utf8.split(separator: separator, omittingEmptySubsequences: false)
        guard !names.contains(where: \.isEmpty) else { return nil }
        return names.map { String(Substring($0)) }
    }
}
