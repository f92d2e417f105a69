/// Rules for text that ends up in a token's claims (the user id, shape
/// parameters) and from there in SQL and logs.
public enum ClaimText {
    /// NUL and other control characters: cut short in C APIs, invisible in
    /// logs; a user id or parameter never needs them.
    public static func hasControlCharacters(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }
}
