import Testing

@testable import Answering

@Suite("Built-in answers, evaluated")
struct BuiltinEvaluationTests {
    @Test("the evaluation set: the right section first, short answers, honest about the rest")
    func evaluation() {
        let report = BuiltinEvaluation.run()
        print(report.summary)
        #expect(BuiltinEvaluation.questions.count >= 40)
        #expect(report.topSectionAccuracy >= 0.85, "\(report.summary)")
        #expect(report.maximumWords <= 150)
        #expect(report.maximumCodeBlocks <= 1)
        #expect(report.honestOffTopic.answered == report.honestOffTopic.of)
        #expect(report.honestOffTopic.of >= 5)
    }
}
