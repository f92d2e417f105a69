import Testing

@testable import Answering

@Suite("Answer units")
struct UnitSplitterTests {
    @Test("paragraphs are cut into whole sentences, not at abbreviations, code or brackets")
    func sentences() {
        let sentences = UnitSplitter.sentences(
            in: "Writes wait at most 5 s (then 503. Clients retry). Set e.g. `a. B` here. Done? Yes.")
        #expect(sentences == ["Writes wait at most 5 s (then 503. Clients retry).", "Set e.g. `a. B` here.", "Done?", "Yes."])
    }

    @Test("lists become items, tables rows worded with their header, code blocks stay whole")
    func kinds() {
        let units = UnitSplitter().units(of: """
            Options:

            - `--ttl <duration>`: How long
              the token is valid.
            - `--json`: Print JSON.

            | fault | what qactl does | what you see |
            |---|---|---|
            | disk full | answers `503` | `/healthz` 503 |

            ```console
            $ qactl serve

            qactl serve: listening
            ```
            """)
        #expect(units.map(\.kind) == [.sentence, .listItem, .listItem, .tableRow, .code(language: "console")])
        #expect(units[1].text == "`--ttl <duration>`: How long the token is valid.")
        #expect(units[3].text == "**disk full**: answers `503`; what you see: `/healthz` 503")
        #expect(units[4].text == "$ qactl serve\n\nqactl serve: listening")
        #expect(units[4].isTranscript && units[4].wordCount == 0)
    }

    @Test("an overlong sentence keeps its opening and the clauses that matter, gaps marked")
    func clauses() {
        let sentence = "Options: `--listen` (the address), `--data-dir` (where keys live), `--sync-secret` (for /v1/shape), `--log-level`."
        let trimmed = ClauseTrimmer.trim(sentence, toWords: 10) { $0.contains("data-dir") ? 1 : 0 }
        #expect(trimmed == "Options: `--listen` (the address), `--data-dir` (where keys live) …")
        let later = ClauseTrimmer.trim(sentence, toWords: 10) { $0.contains("sync-secret") ? 1 : 0 }
        #expect(later == "Options: `--listen` (the address) … `--sync-secret` (for /v1/shape) …")
    }

    @Test("a synopsis keeps what is required and the options asked about")
    func synopsis() {
        let short = CodeShortener.synopsis("qactl serve [--listen <a>] [--log-level <l>] [--log-format <f>] [--database-url <url>] [--new-database] [--data-dir <p>]") {
            $0.contains("database-url") ? 1 : 0
        }
        #expect(short == "qactl serve […] [--database-url <url>] […]")
    }
}
