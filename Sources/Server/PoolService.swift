import ServiceLifecycle

/// The PostgreSQL connection pool under the service group. The pool already
/// runs when the group starts (opening the store migrates through it); as the
/// group's first service it is shut down last, after every service that writes.
struct PoolService: Service {
    let task: Task<Void, Never>

    func run() async throws {
        let task = self.task
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await task.value
            } onGracefulShutdown: {
                task.cancel()
            }
        } onCancel: {
            task.cancel()
        }
    }
}
