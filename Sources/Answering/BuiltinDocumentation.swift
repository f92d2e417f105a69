extension KnowledgeBase {
    /// qactl's own documentation, built into the binary: what `qactl serve --answerer builtin`
    /// answers from when no `--knowledge` folder is given. Each call indexes it afresh.
    public static var qactlDocumentation: KnowledgeBase {
        KnowledgeBase(documents: BuiltinDocumentation.documents)
    }
}

/// qactl's README and a guide to its commands rendered from their definitions, built
/// into the binary by `scripts/generate-docs` (see BuiltinDocumentation+Generated.swift;
/// a test fails when it is stale).
enum BuiltinDocumentation {}
