/// What `IDENTIFY_SYSTEM` reports about the server a replication connection reached.
public struct SystemIdentity: Sendable, Equatable {
    /// The cluster's unique system identifier (changes when the cluster is re-initialised).
    public var systemID: String
    /// The current timeline (grows with each promotion of a standby).
    public var timeline: Int
    /// The server's current WAL flush position.
    public var walPosition: UInt64
    /// The database the connection streams from.
    public var database: String
}
