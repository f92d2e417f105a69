/// Wraps styled text by display columns, like ``TextLayout/wrap(_:width:)`` but keeping each
/// run's style, with a prefix for the first line and another for the lines after it (a list
/// bullet and its hanging indent).
enum StyledWrap {
    /// A run of spaces or a word, which may change style inside ("`code`," is code then a comma).
    private struct Piece {
        var isSpace: Bool
        var spans: [Span]
        var width: Int { spans.reduce(0) { $0 + DisplayWidth.of($1.text) } }
    }

    static func wrap(_ spans: [Span], width: Int, first: [Span] = [], rest: [Span] = []) -> [StyledLine] {
        let restWidth = columns(rest)
        let width = max(restWidth + 1, max(1, width))
        var lines: [StyledLine] = []
        var line = first
        var used = columns(first)
        var hasWords = false

        func endLine() {
            while let last = line.last, last.text.allSatisfy({ $0 == " " }), hasWords {
                line.removeLast()
            }
            if var last = line.popLast() {
                while last.text.last == " " && hasWords { last.text.removeLast() }
                line.append(last)
            }
            lines.append(StyledLine(merged(line)))
            line = rest
            used = restWidth
            hasWords = false
        }

        for piece in pieces(spans) {
            let pieceWidth = piece.width
            if used + pieceWidth <= width {
                line += piece.spans
                used += pieceWidth
                hasWords = hasWords || !piece.isSpace
            } else if piece.isSpace {
                endLine()
            } else if pieceWidth <= width - restWidth {
                endLine()
                line += piece.spans
                used += pieceWidth
                hasWords = true
            } else {
                // A word wider than any line: from a line of its own, cut by columns.
                if hasWords { endLine() }
                for span in piece.spans {
                    for character in span.text {
                        let columns = DisplayWidth.of(character)
                        if used + columns > width { endLine() }
                        line.append(Span(String(character), span.style))
                        used += columns
                        hasWords = true
                    }
                }
            }
        }
        endLine()
        return lines
    }

    private static func columns(_ spans: [Span]) -> Int {
        spans.reduce(0) { $0 + DisplayWidth.of($1.text) }
    }

    /// Spans cut into runs of spaces and words, a word's parts kept together across styles.
    private static func pieces(_ spans: [Span]) -> [Piece] {
        var pieces: [Piece] = []
        for span in spans {
            var run = ""
            var runIsSpace = false
            func emit() {
                guard !run.isEmpty else { return }
                let part = Span(run, span.style)
                if let last = pieces.last, last.isSpace == runIsSpace {
                    pieces[pieces.count - 1].spans.append(part)
                } else {
                    pieces.append(Piece(isSpace: runIsSpace, spans: [part]))
                }
                run = ""
            }
            for character in span.text {
                let isSpace = character == " "
                if isSpace != runIsSpace { emit() }
                runIsSpace = isSpace
                run.append(character)
            }
            emit()
        }
        return pieces
    }

    /// Adjacent spans of one style joined, so that a line is as few runs as it looks.
    private static func merged(_ spans: [Span]) -> [Span] {
        var result: [Span] = []
        for span in spans where !span.text.isEmpty {
            if let last = result.last, last.style == span.style {
                result[result.count - 1].text += span.text
            } else {
                result.append(span)
            }
        }
        return result
    }
}
