import ServiceLifecycle

/// Runs the answer queue under the service group: resumes answers a previous
/// run left unfinished, and on graceful shutdown lets in-flight answers write
/// their last content and a clear status.
struct AnswerService: Service {
    let queue: AnswerQueue
    /// How often to look for answers another instance abandoned.
    let takeOverInterval: Duration

    func run() async throws {
        // Looked for alongside, so a database that is down at the time cannot hold up shutdown.
        let resume = Task { await queue.resumeUnfinished() }
        let takeOver = Task { await queue.takeOverAbandoned(every: takeOverInterval) }
        // Park until shutdown begins; the work itself runs in the queue's tasks.
        try? await gracefulShutdown()
        resume.cancel()
        takeOver.cancel()
        await queue.shutdown()
    }
}
