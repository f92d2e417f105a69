import Testing
@testable import ChatUI
import QACtlTestSupport

struct TextLayoutTests {
    @Test func wrapsAtSpacesAndKeepsNewlines() {
        #expect(TextLayout.wrap("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(TextLayout.wrap("one\n\ntwo", width: 10) == ["one", "", "two"])
        #expect(TextLayout.wrap("", width: 10) == [""])
    }

    @Test func breaksWordsWiderThanTheLine() {
        #expect(TextLayout.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextLayout.wrap("ab abcdefgh", width: 4) == ["ab", "abcd", "efgh"])
    }

    @Test func neverSplitsAWideCharacterAcrossTheEdge() {
        let lines = TextLayout.wrap("日本語のテキスト", width: 5)
        #expect(lines == ["日本", "語の", "テキ", "スト"])
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 5 })
        #expect(TextLayout.truncate("日本語", width: 5) == "日本")
        #expect(TextLayout.ellipsized("日本語テキスト", width: 7) == "日本語…")
        #expect(TextLayout.suffix("abc日本", width: 5) == "c日本")
    }

    @Test func sanitizeRemovesEveryWayToDriveTheTerminal() {
        let hostile = "hi\u{1B}[2J\u{1B}]0;pwned\u{07}\u{9B}31m\r\n\tok\u{202E}!"
        let clean = TextLayout.sanitize(hostile)
        #expect(!clean.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!clean.unicodeScalars.contains { (0x7F...0x9F).contains($0.value) || $0.value == 0x202E })
        #expect(clean == "hi[2J]0;pwned31m\n    ok!")
    }
}
