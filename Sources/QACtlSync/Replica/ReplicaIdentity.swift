/// Whose rows a replica holds: one file per (server, user, shape), so a second
/// account or server never sees, or resumes from, another's rows.
///
/// ```swift
/// let identity = ReplicaIdentity(server: "http://127.0.0.1:8787", user: "alice", shape: "messages?conversationId=c-1")
/// identity.fileName   // "messages-conversationId-c-1-3f2a…​.sqlite"
/// ```
public struct ReplicaIdentity: Sendable, Hashable {
    /// The server's base URL.
    public let server: String
    /// The signed-in user (the auth token's `sub`).
    public let user: String
    /// Any stable text naming the shape (table and params).
    public let shape: String

    /// An identity from its three parts.
    public init(server: String, user: String, shape: String) {
        self.server = server
        self.user = user
        self.shape = shape
    }

    /// A shape identity for a gatekeeper shape: table and sorted params.
    public init(server: String, user: String, request: ShapeTokenRequest) {
        self.init(server: server, user: user, shape: request.description)
    }

    /// What is stored in the file and compared on open.
    var canonical: String { [server, user, shape].joined(separator: "\n") }

    /// A readable prefix from the shape plus a hash of the whole identity.
    public var fileName: String {
        let readable = String(shape.unicodeScalars.map { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) ? Character(scalar) : "-"
        }.prefix(40))
        let hash = String(Self.fnv1a(canonical), radix: 16)
        return readable + "-" + String(repeating: "0", count: 16 - hash.count) + hash + ".sqlite"
    }

    /// FNV-1a, 64-bit: stable across runs and platforms (unlike `Hasher`).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash
    }
}
