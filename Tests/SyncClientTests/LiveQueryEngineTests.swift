import Testing
@testable import QACtlSync
import QACtlTestSupport

/// The incremental live query against a from-scratch computation.
struct LiveQueryEngineTests {
    private func snapshot(_ rows: [String: Row], changed: Set<String>, initial: Bool = false, status: CollectionStatus = .ready)
        -> CollectionSnapshot
    {
        CollectionSnapshot(rows: rows, changedKeys: changed, optimisticKeys: [], status: status, isInitial: initial)
    }

    private func expected(_ rows: [String: Row], filter: (Row) -> Bool, limit: Int?) -> [String] {
        let sorted = rows.filter { filter($0.value) }.sorted { left, right in
            // status ascending, then score descending (nulls first), then key.
            let (ls, rs) = (left.value["status"] ?? "", right.value["status"] ?? "")
            if ls != rs { return ls < rs }
            let (lv, rv) = (left.value.double("score"), right.value.double("score"))
            if lv != rv {
                guard let lv else { return true }
                guard let rv else { return false }
                return lv > rv
            }
            return left.key < right.key
        }.map(\.key)
        return limit.map { Array(sorted.prefix($0)) } ?? sorted
    }

    @Test(arguments: [nil, 5] as [Int?])
    func randomChangesMatchAFullRecomputation(limit: Int?) {
        var generator = SystemRandomNumberGenerator()
        let filter: @Sendable (Row) -> Bool = { $0["status"] != "hidden" }
        var engine = LiveQueryEngine(filter: filter, order: [.ascending("status"), .descending("score", as: .number)], limit: limit)
        var rows: [String: Row] = [:]
        var previous: [String] = []
        _ = engine.apply(snapshot(rows, changed: [], initial: true))
        for step in 0..<400 {
            var changed = Set<String>()
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let key = "r\(Int.random(in: 0..<30, using: &generator))"
                changed.insert(key)
                if Bool.random(using: &generator) && rows[key] != nil && step % 3 == 0 {
                    rows[key] = nil
                } else {
                    let status = ["a", "b", "hidden"].randomElement(using: &generator)
                    let score: String? = Bool.random(using: &generator) ? String(Int.random(in: 0..<5, using: &generator)) : nil
                    rows[key] = ["id": key, "status": status, "score": score, "step": String(step)]
                }
            }
            let want = expected(rows, filter: filter, limit: limit)
            if let update = engine.apply(snapshot(rows, changed: changed)) {
                #expect(update.keys == want)
                #expect(update.rows == want.map { rows[$0]! })
                #expect(Set(update.inserted) == Set(want).subtracting(previous))
                #expect(Set(update.deleted) == Set(previous).subtracting(want))
                #expect(Set(update.updated) == Set(want).intersection(previous).intersection(changed))
                previous = update.keys
            } else {
                #expect(previous == want)
            }
        }
    }

    @Test func theFirstUpdateInsertsEverythingAndAStatusChangeIsNews() {
        var engine = LiveQueryEngine(filter: nil, order: [], limit: nil)
        let first = engine.apply(snapshot(["a": ["id": "a"]], changed: ["a"], initial: true, status: .loading))
        #expect(first?.inserted == ["a"] && first?.status == .loading)
        #expect(engine.apply(snapshot(["a": ["id": "a"]], changed: []))?.status == .ready)
        #expect(engine.apply(snapshot(["a": ["id": "a"]], changed: [])) == nil)
    }

    @Test func nullsSortLastAscendingAndFirstDescending() {
        let rows: [String: Row] = ["x": ["v": "2"], "y": ["v": nil], "z": ["v": "1"]]
        var ascending = LiveQueryEngine(filter: nil, order: [.ascending("v", as: .number)], limit: nil)
        #expect(ascending.apply(snapshot(rows, changed: [], initial: true))?.keys == ["z", "x", "y"])
        var descending = LiveQueryEngine(filter: nil, order: [.descending("v", as: .number)], limit: nil)
        #expect(descending.apply(snapshot(rows, changed: [], initial: true))?.keys == ["y", "x", "z"])
    }
}
