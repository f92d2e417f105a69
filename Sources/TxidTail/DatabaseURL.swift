import Foundation

/// `postgres://` URLs as they may appear in output: without their password.
enum DatabaseURL {
    /// `postgres://app:secret@db/app?password=x` → `postgres://app:***@db/app?password=***`.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url.contains("@") ? "(a postgres URL)" : url }
        if components.password != nil { components.password = "***" }
        components.queryItems = components.queryItems?.map { item in
            item.name == "password" ? URLQueryItem(name: item.name, value: "***") : item
        }
        if components.queryItems?.isEmpty == true { components.queryItems = nil }
        return components.string ?? url
    }
}
