import Testing
@testable import ChatUI
import QACtlTestSupport

struct DisplayWidthTests {
    @Test(arguments: [
        ("abc", 3), ("日本語", 6), ("한국어", 6), ("ｆｕｌｌ", 8), ("👍", 2), ("👍🏽", 2), ("🇫🇷", 2),
        ("👨‍👩‍👧", 2), ("e\u{301}", 1), ("❤️", 2), ("❤", 1), ("a\u{200B}b", 2), ("", 0), ("\u{1B}", 0),
    ])
    func columns(_ text: String, _ expected: Int) {
        #expect(DisplayWidth.of(text) == expected)
    }

    @Test func everyScalarOfTheWideBlocksIsTwoAndAsciiIsOne() {
        for value in UInt32(0x4E00)...0x4E10 {
            #expect(DisplayWidth.of(Unicode.Scalar(value)!) == 2)
        }
        for value in UInt32(0x20)..<0x7F {
            #expect(DisplayWidth.of(Unicode.Scalar(value)!) == 1)
        }
    }
}
