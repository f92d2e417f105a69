import Answering

extension BenchmarkScenario {
    /// The built-in answerer on its evaluation set (questions with the
    /// sections that hold their answers): top-1 section accuracy and length.
    static func builtinAnswers() -> BenchmarkResult {
        let report = BuiltinEvaluation.run()
        let honest = report.honestOffTopic
        let accuracy = report.topSectionAccuracy * 100
        return BenchmarkResult(
            scenario: "answers", summary: "built-in answers on \(report.outcomes.count) evaluation questions",
            figures: [.init(name: "top1_section_accuracy", value: accuracy, unit: "%"),
                      .init(name: "max_words", value: Double(report.maximumWords), unit: "words"),
                      .init(name: "mean_words", value: report.meanWords, unit: "words"),
                      .init(name: "max_code_blocks", value: Double(report.maximumCodeBlocks), unit: ""),
                      .init(name: "off_topic_honest", value: Double(honest.answered), unit: "of \(honest.of)")],
            baseline: .init(name: "required accuracy", value: 85, unit: "%"),
            ratio: accuracy / 85, target: "≥ 85% top-1, ≤ 150 words, ≤ 1 code block, off-topic honest",
            met: accuracy >= 85 && report.maximumWords <= 150 && report.maximumCodeBlocks <= 1 && honest.answered == honest.of)
    }
}
