/// Writes the built-in answer to a question: finds the best passage by BM25, then keeps only
/// the sentences of it (and of its neighbours in the same section) that speak to the question,
/// up to a short answer's length, and names the sections they come from.
struct AnswerComposer {
    let knowledge: KnowledgeBase
    /// Prose beyond this many words is not added (code blocks and the sources line not counted).
    var wordBudget = 120
    /// The best passage must match at least this share of the question's weight; below it the
    /// answer is "I don't know" with the closest topics.
    var answerCoverage = KnowledgeBase.minimumCoverage
    /// A unit is used only when it scores at least this share of the best unit's score.
    var unitScoreFloor = 0.45
    /// A second section joins only when its best passage scores at least this share of the best.
    var secondSectionFloor = 0.9
    /// At most this many sentences, items or rows.
    var maximumUnits = 5
    /// A unit of a second section must score at least this share of the best unit's score.
    var secondSectionUnitFloor = 0.7
    /// Passages scoring at least this share of the best are close enough for their headings to
    /// decide between them.
    var closeScore = 0.75
    /// How much a heading that names the question's words lifts a passage among close ones.
    var headingBonus = 1.0
    /// Sentences longer than this are cut to their relevant clauses…
    var longestWholeSentence = 70
    /// …of at most this many words.
    var longSentenceWords = 50
    /// Table rows and list items longer than this are cut too.
    var longestWholeItem = 100

    /// A unit of a candidate passage, with where it stands and how well it answers.
    private struct Candidate {
        var unit: AnswerUnit
        /// 0 for the best passage's section, 1 for a second section.
        var sectionRank: Int
        var section: SectionReference
        var position: Int
        var ordinal: Int
        var score: Double
        var terms: Set<String>

        var sortKey: (Int, Int, Int) { (sectionRank, position, ordinal) }
    }

    func answer(_ question: String) -> BuiltinAnswer {
        let index = knowledge.index
        let query = AnswerQuery(question, index: index)
        let hits = index.ranked(question, limit: 12, minimumCoverage: 0)
        let answering = hits.filter { $0.passage.coverage >= answerCoverage }
        guard let best = definingPassage(query) ?? bestSection(answering, query: query) else { return notKnown(hits) }

        // A second section only when it covers the same subject: the README's and the command
        // guide's sections on one command, say. Its heading must name something asked about.
        var sections = [best]
        if let second = answering.first(where: { $0.section != best.section }),
            second.passage.score >= best.passage.score * secondSectionFloor,
            query.share(of: AnswerQuery.terms(of: second.passage.heading ?? "")) > 0
        {
            sections.append(second)
        }
        var candidates: [Candidate] = []
        for (rank, hit) in sections.enumerated() {
            candidates += self.candidates(around: hit, rank: rank, query: query)
        }
        let chosen = choose(from: candidates, query: query)
        guard !chosen.isEmpty else { return notKnown(hits) }
        return compose(chosen)
    }

    /// Between passages that BM25 scores about the same, the one whose heading names what the
    /// question asks about: "On PostgreSQL" for "how do I run the server on PostgreSQL", rather
    /// than a benchmark paragraph that happens to say "server" and "PostgreSQL" too.
    private func bestSection(_ hits: [PassageIndex.RankedPassage], query: AnswerQuery) -> PassageIndex.RankedPassage? {
        guard let top = hits.first else { return nil }
        let close = hits.filter { $0.passage.score >= top.passage.score * closeScore }
        // Not for "what is X": the section that defines X is seldom the one titled X (that one
        // tells how to make or use X).
        let bonus = query.asksWhatSomethingIs ? 0 : headingBonus
        func adjusted(_ hit: PassageIndex.RankedPassage) -> Double {
            let heading = AnswerQuery.terms(of: hit.passage.heading ?? "")
            return hit.passage.score * (1 + bonus * query.share(of: heading))
        }
        // max(by:) keeps the first of equals, so ties stay in BM25 order.
        return close.max { adjusted($0) < adjusted($1) }
    }

    /// For "what is X": the first passage that introduces X in emphasis, the way a document
    /// defines its terms, wherever BM25 ranks it (an introduction is long, and scores low).
    private func definingPassage(_ query: AnswerQuery) -> PassageIndex.RankedPassage? {
        guard query.asksWhatSomethingIs else { return nil }
        let index = knowledge.index
        for position in 0..<index.passageCount {
            guard let passage = index.passage(at: position), query.defines(in: passage.passage.text) else { continue }
            return passage
        }
        return nil
    }

    // MARK: Candidates

    /// The units of the hit's passage and of the passages just before and after it in its section.
    private func candidates(around hit: PassageIndex.RankedPassage, rank: Int, query: AnswerQuery) -> [Candidate] {
        let index = knowledge.index
        let section = SectionReference(document: hit.passage.document, heading: hit.passage.heading)
        let headingTerms = AnswerQuery.terms(of: hit.passage.heading ?? "")
        var result: [Candidate] = []
        for position in (hit.position - 1)...(hit.position + 1) {
            guard let neighbour = index.passage(at: position), neighbour.section == hit.section else { continue }
            let splitter = UnitSplitter(tableHeader: tableHeader(before: position, section: hit.section))
            let isSectionStart = index.passage(at: position - 1)?.section != hit.section
            for (ordinal, unit) in splitter.units(of: neighbour.passage.text).enumerated() {
                let usage = query.asksHowToRun && unit.kind == .sentence && unit.text.hasPrefix("Usage: `")
                guard Self.suits(unit, query) || usage else { continue }
                let terms = AnswerQuery.terms(of: unit.isTranscript ? Self.commandText(unit.text) : unit.text)
                var score = query.score(terms: terms, muting: headingTerms)
                // A section's opening sentence usually says what its subject is; a sentence that
                // names it in emphasis defines it.
                if query.asksWhatSomethingIs, isSectionStart, ordinal == 0 { score *= 1.5 }
                if query.asksWhatSomethingIs, query.defines(in: unit.text) { score = score * 2 + 1 }
                // Passages next to the best one only fill in; they should not outweigh it.
                if position != hit.position { score *= 0.9 }
                result.append(
                    Candidate(
                        unit: unit, sectionRank: rank, section: section, position: position, ordinal: ordinal,
                        score: score, terms: terms))
            }
        }
        return result
    }

    /// Whether `unit` may be part of an answer to `query`: a command's usage line only when the
    /// question asks how to run something, and only when it is short enough to read.
    private static func suits(_ unit: AnswerUnit, _ query: AnswerQuery) -> Bool {
        guard unit.kind == .sentence, unit.text.hasPrefix("Usage: ") else { return true }
        return query.asksHowToRun && unit.wordCount <= 16
    }

    /// The command of a "Usage: `qactl …`" sentence, as a code unit: how to run it, for a
    /// section that has no example to show.
    private static func usageCode(_ candidate: Candidate) -> Candidate? {
        let text = candidate.unit.text
        guard text.hasPrefix("Usage: `"), text.hasSuffix("`") || text.hasSuffix("`.") else { return nil }
        let command = text.dropFirst("Usage: `".count).prefix { $0 != "`" }
        var code = candidate
        code.unit = AnswerUnit(kind: .code(language: "sh"), text: String(command), block: candidate.unit.block)
        return code
    }

    /// The commands of a transcript without their quoted arguments: `qactl chat --ask "How do
    /// I mint a token?"` shows how to ask a question, not how to mint a token.
    static func commandText(_ transcript: String) -> String {
        withoutQuotes(transcript.split(separator: "\n").filter { $0.hasPrefix("$ ") }.joined(separator: "\n"))
    }

    /// `text` without what is between quotes.
    static func withoutQuotes(_ text: String) -> String {
        var kept = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else {
                kept.append(character)
            }
        }
        return kept
    }

    /// The header cells of the last table started in an earlier passage of the same section.
    private func tableHeader(before position: Int, section: Int) -> [String]? {
        var earlier = position - 1
        while let passage = knowledge.index.passage(at: earlier), passage.section == section {
            if let header = UnitSplitter.lastTableHeader(in: passage.passage.text) { return header }
            earlier -= 1
        }
        return nil
    }

    // MARK: Choosing

    private func choose(from candidates: [Candidate], query: AnswerQuery) -> [Candidate] {
        let prose = candidates.filter { candidate in
            !candidate.unit.isCode && candidate.score > 0 && !Self.isBareIntroduction(candidate.unit)
                && Self.suits(candidate.unit, query)
        }
        let ranked = prose.sorted { $0.score != $1.score ? $0.score > $1.score : $0.sortKey < $1.sortKey }
        // The best unit of the best passage's own section leads, whatever a second section offers.
        guard let lead = ranked.first(where: { $0.sectionRank == 0 }) else { return [] }
        var chosen = [fitted(lead, query: query, toWords: wordBudget)]
        var words = chosen[0].unit.wordCount
        let top = ranked.first?.score ?? 0
        for candidate in ranked where chosen.count < maximumUnits {
            // A second section has to earn its place more clearly than the first.
            let floor = top * (candidate.sectionRank == 0 ? unitScoreFloor : secondSectionUnitFloor)
            guard candidate.score >= floor else { continue }
            if chosen.contains(where: { $0.position == candidate.position && $0.ordinal == candidate.ordinal }) { continue }
            if chosen.contains(where: { Self.similar($0.terms, candidate.terms) }) { continue }
            let unit = fitted(candidate, query: query, toWords: longSentenceWords)
            guard words + unit.unit.wordCount <= wordBudget else { continue }
            chosen.append(unit)
            words += unit.unit.wordCount
        }
        chosen.sort { $0.sortKey < $1.sortKey }
        // The example comes after the prose it illustrates.
        if query.asksHowToRun, let code = codeBlock(from: candidates, near: chosen, query: query) { chosen.append(code) }
        return chosen
    }

    /// "Options:" and the like: a few words that only introduce what follows.
    private static func isBareIntroduction(_ unit: AnswerUnit) -> Bool {
        unit.text.hasSuffix(":") && unit.wordCount <= 3
    }

    /// The same thing said twice (the README and the command guide overlap).
    private static func similar(_ a: Set<String>, _ b: Set<String>) -> Bool {
        guard !a.isEmpty, !b.isEmpty else { return false }
        return Double(a.intersection(b).count) / Double(a.union(b).count) >= 0.6
    }

    /// The unit, cut at clause boundaries to the clauses that matter when it is longer than
    /// a sentence a reader takes in at once (an enumeration of options, say).
    private func fitted(_ candidate: Candidate, query: AnswerQuery, toWords budget: Int) -> Candidate {
        // A table row or list item is one thing (a fault and what it does); it may run longer.
        let longest = candidate.unit.kind == .sentence ? longestWholeSentence : longestWholeItem
        guard candidate.unit.wordCount > longest, !candidate.unit.isCode else { return candidate }
        var fitted = candidate
        fitted.unit.text = ClauseTrimmer.trim(candidate.unit.text, toWords: min(budget, longSentenceWords)) { query.score($0).score }
        return fitted
    }

    /// The code block that best shows how to run what the question asks about, shortened; only
    /// from a section the answer already draws on.
    private func codeBlock(from candidates: [Candidate], near chosen: [Candidate], query: AnswerQuery) -> Candidate? {
        func follows(_ code: Candidate) -> Bool {
            chosen.contains { $0.position == code.position && $0.unit.block + 1 == code.unit.block }
        }
        // Relevant code from a section already used, or the example right after a chosen sentence.
        let blocks = candidates.filter { code in
            code.unit.isCode && ((code.score > 0 && chosen.contains { $0.section == code.section }) || follows(code))
        }
        let best = blocks.max { a, b in
            (a.score, follows(a) ? 1 : 0, -a.sectionRank) < (b.score, follows(b) ? 1 : 0, -b.sectionRank)
        }
        let usage = candidates.first { candidate in
            candidate.sectionRank == 0 && candidate.unit.text.hasPrefix("Usage: `")
                && !chosen.contains { $0.position == candidate.position && $0.ordinal == candidate.ordinal }
        }
        // Failing those, the section's first example: a section about the thing asked for
        // shows how to run it first.
        let first = candidates.first { $0.unit.isCode && $0.sectionRank == 0 }
        guard var code = best ?? first ?? usage.flatMap(Self.usageCode) else { return nil }
        if code.unit.text.hasPrefix("qactl ") && !code.unit.text.contains("\n") {
            code.unit.text = CodeShortener.synopsis(code.unit.text) { query.score($0).score }
            return code
        }
        code.unit.text = CodeShortener.shorten(code.unit, relevance: { query.score(Self.withoutQuotes($0)).score })
        return code
    }

    // MARK: Writing

    private func compose(_ chosen: [Candidate]) -> BuiltinAnswer {
        var blocks: [String] = []
        var sources: [SectionReference] = []
        var previous: Candidate?
        for (offset, candidate) in chosen.enumerated() {
            if !sources.contains(candidate.section) { sources.append(candidate.section) }
            let next = offset + 1 < chosen.count ? chosen[offset + 1] : nil
            let sameBlock = previous.map { $0.position == candidate.position && $0.unit.block == candidate.unit.block } ?? false
            switch candidate.unit.kind {
            case .sentence:
                var text = candidate.unit.text
                // "…as follows:" introduces a block; without that block it ends the sentence.
                if text.hasSuffix(":"), !(next.map { Self.introduces(candidate, $0) } ?? false) {
                    text = String(text.dropLast()) + "."
                }
                if sameBlock, let last = blocks.popLast() { blocks.append(last + " " + text) } else { blocks.append(text) }
            case .listItem, .tableRow:
                // Rows of one table stay one list even where the table was cut into passages.
                let item = "- " + candidate.unit.text
                let sameList = previous.map { $0.section == candidate.section && $0.unit.kind == candidate.unit.kind } ?? false
                if sameBlock || sameList, let last = blocks.popLast() { blocks.append(last + "\n" + item) } else { blocks.append(item) }
            case .code:
                blocks.append("```sh\n" + candidate.unit.text + "\n```")
            }
            previous = candidate
        }
        return BuiltinAnswer(blocks: blocks, sources: sources, isKnown: true)
    }

    /// Whether `next` is the block that the sentence `intro` (ending in ":") introduces.
    private static func introduces(_ intro: Candidate, _ next: Candidate) -> Bool {
        next.position == intro.position && next.unit.block == intro.unit.block + 1 && next.unit.kind != .sentence
    }

    // MARK: Not knowing

    /// One honest sentence and the titles of the sections closest to the question.
    private func notKnown(_ hits: [PassageIndex.RankedPassage]) -> BuiltinAnswer {
        let count = knowledge.documentCount
        let documents = count == 1 ? "1 document" : "\(count) documents"
        var blocks = ["I don't know: the documentation I have (\(documents)) does not answer that clearly."]
        var topics: [String] = []
        for hit in hits where topics.count < 3 {
            guard let heading = hit.passage.heading, !heading.isEmpty, !topics.contains(heading) else { continue }
            topics.append(heading)
        }
        if !topics.isEmpty {
            blocks.append("Closest topics: " + topics.joined(separator: ", ") + ".")
        } else {
            let main = mainTopics()
            if !main.isEmpty { blocks.append("It covers, among others: " + main.joined(separator: ", ") + ".") }
        }
        return BuiltinAnswer(blocks: blocks, sources: [], isKnown: false)
    }

    /// The headings of the largest sections: what the knowledge is mostly about.
    private func mainTopics() -> [String] {
        var seen: Set<String> = []
        let sections = knowledge.index.sections().enumerated().compactMap { offset, section -> (String, Int, Int)? in
            guard let heading = section.heading, !heading.isEmpty, seen.insert(heading).inserted else { return nil }
            return (heading, section.passages, offset)
        }
        return sections.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }.prefix(4).map(\.0)
    }
}
