/// Where a ``ShapeStream`` gets the bearer token for each request.
///
/// ``ShapeTokenProvider`` supplies one per shape (`provider.authorization(for:)`);
/// a fixed token works too:
///
/// ```swift
/// struct FixedToken: ShapeAuthorization {
///     let value: String
///     func token() async throws -> String { value }
///     func refused(_ token: String) async {}
/// }
/// ```
public protocol ShapeAuthorization: Sendable {
    /// The token for the next request. Errors that are ``APIError``s with a
    /// 4xx status other than 429 end the stream; any other error is retried.
    func token() async throws -> String
    /// The server answered 401 to `token`: forget it, so the next ``token()`` fetches a fresh one.
    func refused(_ token: String) async
}
