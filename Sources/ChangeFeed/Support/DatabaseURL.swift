/// `postgres://` URLs as they may appear in messages, logs and output.
public enum DatabaseURL {
    /// `postgres://app:secret@db/app?password=x` → `postgres://app:***@db/app?password=***`.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        var result = url
        let authorityEnd = url[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" } ?? url.endIndex
        if let at = url[scheme.upperBound..<authorityEnd].lastIndex(of: "@"),
            let colon = url[scheme.upperBound..<at].firstIndex(of: ":")
        {
            result = String(url[..<colon]) + ":***" + String(url[at...])
        }
        guard let query = result.firstIndex(of: "?") else { return result }
        let parameters = result[result.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            pair.hasPrefix("password=") ? "password=***" : String(pair)
        }
        return String(result[...query]) + parameters.joined(separator: "&")
    }
}
