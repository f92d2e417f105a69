import Testing
@testable import ChatUI
import QACtlTestSupport

struct ComposerTests {
    @Test func editsByCharacterNotByScalarOrColumn() {
        var composer = Composer()
        composer.insert("日本👍🏽e\u{301}")
        #expect(composer.cursor == 4)
        composer.backspace()
        #expect(composer.text == "日本👍🏽")
        composer.moveLeft()
        composer.insert("語")
        #expect(composer.text == "日本語👍🏽")
        composer.moveHome()
        composer.deleteForward()
        #expect(composer.text == "本語👍🏽")
        #expect(composer.take() == "本語👍🏽")
        #expect(composer.isEmpty)
    }

    @Test func controlCharactersAndNewlinesNeverEnterTheLine() {
        var composer = Composer()
        composer.insert("a\u{1B}[31mb\nc")
        #expect(composer.text == "a[31mb c")
    }

    @Test func deletesTheWordBeforeTheCursor() {
        var composer = Composer()
        composer.insert("how do shapes  ")
        composer.deleteWordBackward()
        #expect(composer.text == "how do ")
    }

    @Test func theVisibleWindowFollowsTheCursorByColumns() {
        var composer = Composer()
        composer.insert("日本語テキスト")
        // 14 columns of text in 8: the tail, the cursor after it.
        let (text, column) = composer.visible(width: 8)
        #expect(text == "キスト")
        #expect(column == 6)
        composer.moveHome()
        let start = composer.visible(width: 8)
        #expect(start.text == "日本語テ")
        #expect(start.cursorColumn == 0)
    }
}
