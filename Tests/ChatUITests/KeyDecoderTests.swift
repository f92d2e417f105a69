import Testing
@testable import ChatUI
import QACtlTestSupport

struct KeyDecoderTests {
    private func keys(_ chunks: [String], flush: Bool = false) -> [Key] {
        var decoder = KeyDecoder()
        var keys = chunks.flatMap { decoder.feed(Array($0.utf8)) }
        if flush { keys += decoder.flush() }
        return keys
    }

    @Test func textControlKeysAndEnter() {
        #expect(keys(["hi\r"]) == [.text("hi"), .enter])
        #expect(keys(["a\u{7F}\u{08}"]) == [.text("a"), .backspace, .backspace])
        #expect(keys(["\u{03}\u{04}\u{15}"]) == [.control("c"), .control("d"), .control("u")])
        #expect(keys(["\r\n"]) == [.enter])
        #expect(keys(["\t"]) == [.tab])
    }

    @Test func cursorAndPageKeysInEveryEncoding() {
        #expect(keys(["\u{1B}[A\u{1B}[B\u{1B}[C\u{1B}[D"]) == [.up, .down, .right, .left])
        #expect(keys(["\u{1B}OA\u{1B}OH\u{1B}OF"]) == [.up, .home, .end])
        #expect(keys(["\u{1B}[5~\u{1B}[6~\u{1B}[3~"]) == [.pageUp, .pageDown, .delete])
        #expect(keys(["\u{1B}[1~\u{1B}[4~\u{1B}[H\u{1B}[F"]) == [.home, .end, .home, .end])
        #expect(keys(["\u{1B}[1;5C"]) == [.right])
    }

    @Test func sequencesAndCharactersSplitAcrossReads() {
        #expect(keys(["\u{1B}", "[", "5", "~"]) == [.pageUp])
        let euro = Array("€".utf8)
        var decoder = KeyDecoder()
        #expect(decoder.feed([euro[0]]) == [])
        #expect(decoder.feed([euro[1]]) == [])
        #expect(decoder.feed([euro[2], UInt8(ascii: "!")]) == [.text("€!")])
    }

    @Test func wideCharactersAndEmojiAreText() {
        #expect(keys(["日本語👍"]) == [.text("日本語👍")])
    }

    @Test func aLoneEscapeIsTheEscapeKeyOnlyWhenNothingFollows() {
        #expect(keys(["\u{1B}"]) == [])
        #expect(keys(["\u{1B}"], flush: true) == [.escape])
        #expect(keys(["x\u{1B}[5"], flush: true) == [.text("x"), .escape, .text("[5")])
    }

    @Test func bracketedPasteIsTextWithNewlinesAsSpaces() {
        #expect(keys(["\u{1B}[200~line one\r\nline\ttwo\u{03}\u{1B}[201~\r"]) == [.text("line one line two"), .enter])
    }

    @Test func invalidUTF8IsSkipped() {
        var decoder = KeyDecoder()
        #expect(decoder.feed([0xFF, 0x41]) == [.text("A")])
        #expect(decoder.feed([0xE2, 0x41]) == [.text("A")])
    }
}
