import ServiceLifecycle

/// Runs the answer queue under the service group: resumes answers a previous
/// run left unfinished, and on graceful shutdown lets in-flight answers write
/// their last content and a clear status.
struct AnswerService: Service {
    let queue: AnswerQueue

    func run() async throws {
        await queue.resumeUnfinished()
        // Park until shutdown begins; the work itself runs in the queue's tasks.
        try? await gracefulShutdown()
        await queue.shutdown()
    }
}
