/// Decodes a logical replication stream's bytes into messages. Pure: no I/O,
/// no state, so it is tested on bytes captured from a real server.
///
/// ```swift
/// switch try PgOutputDecoder.decodeCopyData(payload) {
/// case .xLogData(_, _, _, let message): assembler.consume(message)
/// case .keepalive(_, _, let replyRequested): if replyRequested { sendStatus() }
/// }
/// ```
///
/// Anything truncated, oversized or unknown throws `ChangeFeedError`; no input
/// can make it read out of bounds or trap.
public enum PgOutputDecoder {
    /// Decodes one CopyData payload of the replication stream (`w` or `k`).
    public static func decodeCopyData(_ bytes: [UInt8]) throws -> ReplicationMessage {
        var reader = ByteReader(bytes)
        let tag = try reader.readUInt8("replication message tag")
        switch tag {
        case UInt8(ascii: "w"):
            let walStart = try reader.readUInt64("XLogData start")
            let walEnd = try reader.readUInt64("XLogData end")
            let sendTime = try reader.readInt64("XLogData send time")
            let message = try decodeMessage(reader.readRest())
            return .xLogData(walStart: walStart, walEnd: walEnd, sendTime: sendTime, message: message)
        case UInt8(ascii: "k"):
            let walEnd = try reader.readUInt64("keepalive WAL end")
            let sendTime = try reader.readInt64("keepalive send time")
            let reply = try reader.readUInt8("keepalive reply flag")
            try reader.expectEnd("keepalive")
            return .keepalive(walEnd: walEnd, sendTime: sendTime, replyRequested: reply != 0)
        default:
            throw ChangeFeedError(.unsupportedMessage, "unknown replication message \(describe(tag))")
        }
    }

    /// Decodes one pgoutput message (the payload of an XLogData).
    public static func decodeMessage(_ bytes: [UInt8]) throws -> PgOutputMessage {
        var reader = ByteReader(bytes)
        let tag = try reader.readUInt8("pgoutput message tag")
        let message: PgOutputMessage
        switch tag {
        case UInt8(ascii: "B"):
            message = .begin(.init(
                finalLSN: try reader.readUInt64("Begin final LSN"),
                commitTimestamp: try reader.readInt64("Begin commit time"),
                xid: try reader.readUInt32("Begin xid")))
        case UInt8(ascii: "C"):
            message = .commit(.init(
                flags: try reader.readUInt8("Commit flags"),
                commitLSN: try reader.readUInt64("Commit LSN"),
                endLSN: try reader.readUInt64("Commit end LSN"),
                commitTimestamp: try reader.readInt64("Commit time")))
        case UInt8(ascii: "O"):
            message = .origin(.init(commitLSN: try reader.readUInt64("Origin LSN"), name: try reader.readCString("Origin name")))
        case UInt8(ascii: "R"):
            message = .relation(try decodeRelation(&reader))
        case UInt8(ascii: "Y"):
            message = .type(.init(
                oid: try reader.readUInt32("Type OID"),
                namespace: try reader.readCString("Type namespace"),
                name: try reader.readCString("Type name")))
        case UInt8(ascii: "I"):
            let relationID = try reader.readUInt32("Insert relation id")
            try expectTag(&reader, "N", "Insert")
            message = .insert(.init(relationID: relationID, new: try decodeTuple(&reader, "Insert new row")))
        case UInt8(ascii: "U"):
            message = .update(try decodeUpdate(&reader))
        case UInt8(ascii: "D"):
            let relationID = try reader.readUInt32("Delete relation id")
            let kind = try oldKind(try reader.readUInt8("Delete tuple tag"), "Delete")
            message = .delete(.init(relationID: relationID, oldKind: kind, old: try decodeTuple(&reader, "Delete old row")))
        case UInt8(ascii: "T"):
            message = .truncate(try decodeTruncate(&reader))
        default:
            throw ChangeFeedError(
                .unsupportedMessage,
                "unknown pgoutput message \(describe(tag)); qactl speaks proto_version 1 without streaming or messages")
        }
        try reader.expectEnd("pgoutput message \(describe(tag))")
        return message
    }

    private static func decodeRelation(_ reader: inout ByteReader) throws -> PgOutputMessage.Relation {
        let id = try reader.readUInt32("Relation id")
        let namespace = try reader.readCString("Relation namespace")
        let name = try reader.readCString("Relation name")
        let identityByte = try reader.readUInt8("Relation replica identity")
        guard let identity = PgOutputMessage.ReplicaIdentity(rawValue: identityByte) else {
            throw ChangeFeedError(.malformedMessage, "Relation \(name) has unknown replica identity \(describe(identityByte))")
        }
        let count = Int(try reader.readUInt16("Relation column count"))
        // Each column takes at least 10 bytes: refuse counts the message cannot hold
        // before reserving memory for them.
        guard count * 10 <= reader.remaining else {
            throw ChangeFeedError(.malformedMessage, "Relation \(name) claims \(count) columns but has \(reader.remaining) bytes left")
        }
        var columns: [PgOutputMessage.Relation.Column] = []
        columns.reserveCapacity(count)
        for index in 0..<count {
            columns.append(.init(
                flags: try reader.readUInt8("Relation column \(index) flags"),
                name: try reader.readCString("Relation column \(index) name"),
                typeOID: try reader.readUInt32("Relation column \(index) type"),
                typeModifier: try reader.readInt32("Relation column \(index) type modifier")))
        }
        return .init(id: id, namespace: namespace, name: name, replicaIdentity: identity, columns: columns)
    }

    private static func decodeUpdate(_ reader: inout ByteReader) throws -> PgOutputMessage.Update {
        let relationID = try reader.readUInt32("Update relation id")
        let tag = try reader.readUInt8("Update tuple tag")
        if tag == UInt8(ascii: "N") {
            return .init(relationID: relationID, oldKind: nil, old: nil, new: try decodeTuple(&reader, "Update new row"))
        }
        let kind = try oldKind(tag, "Update")
        let old = try decodeTuple(&reader, "Update old row")
        try expectTag(&reader, "N", "Update")
        return .init(relationID: relationID, oldKind: kind, old: old, new: try decodeTuple(&reader, "Update new row"))
    }

    private static func decodeTruncate(_ reader: inout ByteReader) throws -> PgOutputMessage.Truncate {
        let count = try reader.readInt32("Truncate relation count")
        let options = try reader.readUInt8("Truncate options")
        guard count >= 0, Int(count) * 4 <= reader.remaining else {
            throw ChangeFeedError(.malformedMessage, "Truncate claims \(count) relations but has \(reader.remaining) bytes left")
        }
        var ids: [UInt32] = []
        ids.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            ids.append(try reader.readUInt32("Truncate relation \(index)"))
        }
        return .init(relationIDs: ids, options: options)
    }

    /// `TupleData`: a column count, then per column a kind byte and, for text
    /// and binary values, an Int32 length and the bytes.
    private static func decodeTuple(_ reader: inout ByteReader, _ what: String) throws -> [PgOutputMessage.TupleValue] {
        let count = Int(try reader.readUInt16("\(what) column count"))
        guard count <= reader.remaining else {
            throw ChangeFeedError(.malformedMessage, "\(what) claims \(count) columns but has \(reader.remaining) bytes left")
        }
        var values: [PgOutputMessage.TupleValue] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            let kind = try reader.readUInt8("\(what) column \(index) kind")
            switch kind {
            case UInt8(ascii: "n"):
                values.append(.null)
            case UInt8(ascii: "u"):
                values.append(.unchangedToast)
            case UInt8(ascii: "t"):
                let length = try reader.readInt32("\(what) column \(index) length")
                values.append(.text(ByteReader.text(try reader.readBytes(Int(length), "\(what) column \(index) value"))))
            case UInt8(ascii: "b"):
                let length = try reader.readInt32("\(what) column \(index) length")
                values.append(.binary(try reader.readBytes(Int(length), "\(what) column \(index) value")))
            default:
                throw ChangeFeedError(.malformedMessage, "\(what) column \(index) has unknown kind \(describe(kind))")
            }
        }
        return values
    }

    private static func expectTag(_ reader: inout ByteReader, _ expected: Unicode.Scalar, _ what: String) throws {
        let tag = try reader.readUInt8("\(what) tuple tag")
        guard tag == UInt8(ascii: expected) else {
            throw ChangeFeedError(.malformedMessage, "\(what) expected tuple tag '\(expected)', got \(describe(tag))")
        }
    }

    private static func oldKind(_ tag: UInt8, _ what: String) throws -> PgOutputMessage.OldTupleKind {
        guard let kind = PgOutputMessage.OldTupleKind(rawValue: tag) else {
            throw ChangeFeedError(.malformedMessage, "\(what) expected old tuple tag 'K' or 'O', got \(describe(tag))")
        }
        return kind
    }

    /// A byte as a quoted character when printable, else as hex: for messages.
    static func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "0x" + String(byte, radix: 16)
    }
}
