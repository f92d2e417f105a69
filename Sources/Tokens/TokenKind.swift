/// The two kinds of token qactl issues. Each has its own signing keys and audience,
/// so one kind can never be accepted where the other is expected.
public enum TokenKind: String, Sendable, CaseIterable, Codable {
    /// Proves who the user is; accepted by every API route.
    case auth
    /// Grants exactly one shape (table, where, params); accepted by `GET /shape` only.
    case shape

    /// The `aud` claim tokens of this kind carry.
    public var audience: String {
        switch self {
        case .auth: "qactl:api"
        case .shape: "qactl:shape"
        }
    }

    /// The kind whose audience is `audience`, if any.
    public init?(audience: String) {
        guard let kind = TokenKind.allCases.first(where: { $0.audience == audience }) else { return nil }
        self = kind
    }

    /// Lifetime of a freshly minted token when the caller does not choose one.
    public var defaultLifetime: Duration {
        switch self {
        case .auth: .seconds(12 * 3600)
        case .shape: .seconds(5 * 60)
        }
    }

    /// Human name, as in "auth token".
    public var displayName: String { "\(rawValue) token" }

    /// "an auth token", "a shape token".
    public var withArticle: String { "\(self == .auth ? "an" : "a") \(displayName)" }
}
