import Foundation

extension Thread {
    /// Starts a thread of its own that runs `body`, named `name` as `top -H` and `perf` show it.
    ///
    /// The thread names itself first: Foundation on Linux does not pass on a name set before `start()`. Linux keeps
    /// at most 15 bytes of a name.
    public static func start(named name: String, _ body: @escaping @Sendable () -> Void) {
        Thread {
            Thread.current.name = name
            body()
        }.start()
    }
}
