/// One `/v1/shape` call on its way through the service, in one box: a parked
/// live long-poll keeps its async frames for up to the poll timeout, and
/// frames each holding their own copies of the call, the parsed request and
/// the resolved definition cost kilobytes per parked poll. Unchecked
/// Sendable: it belongs to one call, used by one task at a time as the call
/// passes between the registry's actor and the shape's consumer.
final class ShapeCallState: @unchecked Sendable {
    let call: ShapeCall
    let request: ShapeRequest
    let resolved: ResolvedShape
    var reply: ShapeReply
    /// Counted as a snapshot request by admission control (else live, if live).
    var startsShape = false
    /// An SSE stream took over the live slot; it gives it back when it ends.
    var slotHandedOver = false

    init(call: ShapeCall, request: ShapeRequest, resolved: ResolvedShape, reply: ShapeReply) {
        self.call = call
        self.request = request
        self.resolved = resolved
        self.reply = reply
    }
}
