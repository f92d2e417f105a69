import Foundation
import ShapeWire

/// One element of a shape response body, decoded.
enum IncomingMessage: Sendable, Hashable {
    case change(ChangeMessage)
    case upToDate(globalLastSeenLSN: String?)
    case snapshotEnd(SnapshotBounds)
    case mustRefetch
    /// A control or event message this client does not know: skipped, as the protocol asks.
    case ignored(String)

    /// Decodes a whole body: a JSON array of messages. An empty body is no messages.
    static func decodeBody(_ data: Data) throws -> [IncomingMessage] {
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return [] }
        do {
            return try JSONDecoder().decode([WireMessage].self, from: data).map(\.message)
        } catch let error as ShapeStreamError {
            throw error
        } catch {
            let preview = String(decoding: data.prefix(200), as: UTF8.self)
            throw ShapeStreamError(.invalidBody, "the shape response is not a JSON array of messages (\(error)): \(preview)")
        }
    }
}

/// The lenient decoding of one message: accepts every form Electric and its
/// proxies are known to send (numbers as strings and strings as numbers,
/// booleans as `t`/`true`, nulls, `old_value`).
private struct WireMessage: Decodable {
    let message: IncomingMessage

    private enum Keys: String, CodingKey {
        case key, value, headers
        case oldValue = "old_value"
    }

    private enum HeaderKeys: String, CodingKey {
        case operation, control, relation, lsn, txids, last
        case opPosition = "op_position"
        case xmin, xmax
        case xipList = "xip_list"
        case globalLastSeenLSN = "global_last_seen_lsn"
        case event
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let headers = try container.decodeIfPresent(LenientObject<HeaderKeys>.self, forKey: .headers)?.container
        if let control = try headers.flatMap({ try $0.decodeIfPresent(LenientText.self, forKey: .control) })?.text {
            message = try Self.control(control, headers: headers)
            return
        }
        guard let key = try container.decodeIfPresent(String.self, forKey: .key) else {
            let event = try headers.flatMap { try $0.decodeIfPresent(LenientText.self, forKey: .event) }?.text
            message = .ignored(event.map { "event \($0)" } ?? "message without key or control")
            return
        }
        guard let headers else { throw ShapeStreamError(.invalidBody, "change message \(key) has no headers") }
        let operationText = try headers.decodeIfPresent(LenientText.self, forKey: .operation)?.text ?? ""
        guard let operation = ChangeMessage.Operation(rawValue: operationText) else {
            throw ShapeStreamError(.invalidBody, "change message \(key) has unknown operation \"\(operationText)\"")
        }
        let value = try container.decodeIfPresent(WireRow.self, forKey: .value)?.row ?? Row()
        let oldValue = try container.decodeIfPresent(WireRow.self, forKey: .oldValue)?.row
        let txids = try headers.decodeIfPresent([LenientText].self, forKey: .txids)?.compactMap { $0.text.flatMap { UInt64($0) } } ?? []
        let opPosition = try headers.decodeIfPresent(LenientText.self, forKey: .opPosition)?.text.flatMap { Int64($0) }
        let last = try headers.decodeIfPresent(LenientText.self, forKey: .last)?.text.map { ["t", "true"].contains($0.lowercased()) } ?? false
        let relation = try? headers.decodeIfPresent([String].self, forKey: .relation)
        message = .change(
            ChangeMessage(
                key: key, operation: operation, value: value, oldValue: oldValue, txids: txids,
                lsn: try headers.decodeIfPresent(LenientText.self, forKey: .lsn)?.text, opPosition: opPosition,
                isLast: last, relation: relation))
    }

    private static func control(_ control: String, headers: KeyedDecodingContainer<HeaderKeys>?) throws -> IncomingMessage {
        switch control {
        case "up-to-date":
            return .upToDate(globalLastSeenLSN: try headers?.decodeIfPresent(LenientText.self, forKey: .globalLastSeenLSN)?.text)
        case "must-refetch":
            return .mustRefetch
        case "snapshot-end":
            func number(_ key: HeaderKeys) throws -> UInt64 {
                guard let text = try headers?.decodeIfPresent(LenientText.self, forKey: key)?.text, let value = UInt64(text) else {
                    throw ShapeStreamError(.invalidBody, "snapshot-end without a numeric \(key.stringValue)")
                }
                return value
            }
            let inProgress = try headers?.decodeIfPresent([LenientText].self, forKey: .xipList)?.compactMap { $0.text.flatMap { UInt64($0) } } ?? []
            return .snapshotEnd(SnapshotBounds(xmin: try number(.xmin), xmax: try number(.xmax), inProgress: Set(inProgress)))
        default:
            return .ignored("control \(control)")
        }
    }
}

/// The `headers` object as a keyed container, so each field is read leniently on its own.
private struct LenientObject<Key: CodingKey>: Decodable {
    let container: KeyedDecodingContainer<Key>
    init(from decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: Key.self)
    }
}

/// A row object: every value as text, `null` as SQL NULL.
private struct WireRow: Decodable {
    let row: Row

    init(from decoder: any Decoder) throws {
        let values = try decoder.singleValueContainer().decode([String: LenientText].self)
        row = Row(values.mapValues { $0.text })
    }
}

/// Any JSON scalar as text: strings as they are, numbers and booleans in their
/// JSON spelling, `null` as nil, nested arrays and objects as compact JSON text.
struct LenientText: Decodable {
    let text: String?

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            text = nil
        } else if let string = try? container.decode(String.self) {
            text = string
        } else if let bool = try? container.decode(Bool.self) {
            text = bool ? "true" : "false"
        } else if let integer = try? container.decode(Int64.self) {
            text = String(integer)
        } else if let integer = try? container.decode(UInt64.self) {
            text = String(integer)
        } else if let number = try? container.decode(Double.self) {
            text = String(number)
        } else {
            let nested = try container.decode(JSONValue.self)
            text = String(decoding: try JSONEncoder().encode(nested), as: UTF8.self)
        }
    }
}
