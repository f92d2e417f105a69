/// ANSI styling for text lines; a no-op when colour is off (not a TTY, or `NO_COLOR`).
struct Paint {
    let enabled: Bool

    func bold(_ text: String) -> String { style(text, "1") }
    func dim(_ text: String) -> String { style(text, "2") }
    func green(_ text: String) -> String { style(text, "32") }
    func yellow(_ text: String) -> String { style(text, "33") }
    func red(_ text: String) -> String { style(text, "31") }
    func cyan(_ text: String) -> String { style(text, "36") }

    private func style(_ text: String, _ code: String) -> String {
        enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// `insert 2  update 0  delete 1`, each non-zero count coloured.
    func counts(insert: Int, update: Int, delete: Int) -> String {
        func part(_ label: String, _ count: Int, _ colour: (String) -> String) -> String {
            dim(label) + " " + (count > 0 ? colour(String(count)) : String(count))
        }
        return [part("insert", insert, green), part("update", update, yellow), part("delete", delete, red)].joined(separator: "  ")
    }

    /// Up to `limit` keys, then how many more: a huge transaction stays one readable line.
    static func keyList(_ keys: [String], limit: Int = 10) -> String {
        guard keys.count > limit else { return keys.joined(separator: ", ") }
        return keys.prefix(limit).joined(separator: ", ") + ", … (\(keys.count - limit) more)"
    }

    /// `12ms`, `3.4s`, `2m05s`: short enough for a line, precise enough to compare.
    static func delay(milliseconds: Int64) -> String {
        let sign = milliseconds < 0 ? "-" : ""
        let value = milliseconds.magnitude
        if value < 1000 { return "\(sign)\(value)ms" }
        if value < 60_000 { return "\(sign)\(value / 1000).\(value % 1000 / 100)s" }
        let seconds = value / 1000
        let rest = seconds % 60
        return "\(sign)\(seconds / 60)m\(rest < 10 ? "0" : "")\(rest)s"
    }
}
