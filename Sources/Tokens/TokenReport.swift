import Foundation

/// What `qactl token decode` shows about a token: header, claims, times in words,
/// the granted shape, and (with `--verify`) the verdict.
public struct TokenReport: Sendable {
    public let jwt: CompactJWT
    /// Nil when the token was not verified; otherwise `.success` or the refusal.
    public let verification: Result<VerifiedToken, TokenError>?
    public let now: Date

    public init(jwt: CompactJWT, verification: Result<VerifiedToken, TokenError>?, now: Date = Date()) {
        self.jwt = jwt
        self.verification = verification
        self.now = now
    }

    public var isValid: Bool {
        if case .success = verification { return true }
        return false
    }

    /// "expires in 4m12s" or "expired 3h ago".
    public static func expiryWords(_ expiresAt: Date, now: Date) -> String {
        let remaining = expiresAt.timeIntervalSince(now)
        return remaining > 0
            ? "expires in \(DurationText.format(seconds: remaining))"
            : "expired \(DurationText.format(seconds: remaining)) ago"
    }

    private var shapeGrant: ShapeGrant? {
        guard jwt.claims["shape"] != nil else { return nil }
        return try? ShapeGrant(claim: jwt.claims["shape"])
    }

    /// The report for people, in local time.
    public func text(timeZone: TimeZone = .current) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss zzz"

        var lines: [String] = []
        func section(_ title: String, _ object: [String: JSONValue]) {
            lines.append(title)
            let width = object.keys.map(\.count).max() ?? 0
            for key in object.keys.sorted() {
                let value = object[key]!
                lines.append("  \(key.padding(toLength: width, withPad: " ", startingAt: 0))  \(value.stringValue ?? value.jsonText)")
            }
        }
        section("Header", jwt.header)
        section("Claims", jwt.claims)
        lines.append("")
        let kind = jwt.claimedKind.map(\.displayName) ?? "unknown kind (audience \(jwt.claims["aud"]?.jsonText ?? "missing"))"
        lines.append("Kind     \(kind)")
        if let issued = jwt.issuedAt {
            lines.append("Issued   \(formatter.string(from: issued))")
        }
        if let expires = jwt.expiresAt {
            lines.append("Expires  \(formatter.string(from: expires)) (\(Self.expiryWords(expires, now: now)))")
        } else {
            lines.append("Expires  never (no exp claim)")
        }
        if let shape = shapeGrant {
            lines.append("Shape    table \(shape.table)")
            lines.append("         where \(shape.where)")
            lines.append("         params \(JSONValue.array(shape.params.map(JSONValue.string)).jsonText)")
        }
        switch verification {
        case nil: break
        case .success:
            // Valid although past its exp: within the leeway servers allow for clock skew.
            let late = jwt.expiresAt.map { $0 < now } ?? false
            lines.append(late ? "Verdict  valid (past its exp, within the leeway allowed for clock skew)" : "Verdict  valid")
        case .failure(let error): lines.append("Verdict  \(Self.verdict(error.reason)): \(error.message)")
        }
        return lines.joined(separator: "\n")
    }

    /// The verdict in a word or two: valid / expired / bad signature / unknown key / …
    public static func verdict(_ reason: TokenError.Reason) -> String {
        reason.rawValue.replacingOccurrences(of: "_", with: " ")
    }

    /// One JSON object for `--json`.
    public func json() -> JSONValue {
        var object: [String: JSONValue] = [
            "header": .object(jwt.header),
            "claims": .object(jwt.claims),
            "kind": jwt.claimedKind.map { .string($0.rawValue) } ?? .null,
        ]
        let iso = ISO8601DateFormatter()
        if let issued = jwt.issuedAt { object["issuedAt"] = .string(iso.string(from: issued)) }
        if let expires = jwt.expiresAt {
            object["expiresAt"] = .string(iso.string(from: expires))
            object["expiresInSeconds"] = .number(expires.timeIntervalSince(now).rounded())
            object["expiry"] = .string(Self.expiryWords(expires, now: now))
        }
        if let shape = shapeGrant { object["shape"] = shape.claim }
        switch verification {
        case nil: break
        case .success: object["verification"] = .object(["valid": .bool(true)])
        case .failure(let error):
            object["verification"] = .object([
                "valid": .bool(false), "reason": .string(error.reason.rawValue), "message": .string(error.message),
            ])
        }
        return .object(object)
    }
}
