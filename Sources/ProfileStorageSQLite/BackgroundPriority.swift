#if canImport(Glibc)
    import CThreadID
    import Glibc

    /// Runs work that can wait, a batch's write or a checkpoint, at a lower CPU priority than the threads that
    /// answer requests: on a busy machine the scheduler then runs a lookup first and the write a little later,
    /// rather than a lookup waiting behind a write's time slice.
    ///
    /// Linux schedules threads one by one: `setpriority` with the calling thread's id changes that thread alone.
    /// The thread goes back to its niceness afterwards, when it may: without `CAP_SYS_NICE` (or a `RLIMIT_NICE`
    /// that allows it) Linux refuses to lower a niceness again, and the pool thread then keeps the background
    /// priority. The target is always the process's niceness plus ``niceness``, so it never drifts further.
    enum BackgroundPriority {
        /// How much nicer than the process the work runs.
        static let niceness: Int32 = 10

        static func run<T>(_ work: () throws -> T) rethrows -> T {
            let which = __priority_which_t(PRIO_PROCESS.rawValue)
            let thread = id_t(profile_svc_thread_id())
            errno = 0
            let process = getpriority(which, id_t(getpid()))
            let before = getpriority(which, thread)
            let target = min(process + niceness, 19)
            guard errno == 0, before < target, setpriority(which, thread, target) == 0 else { return try work() }
            defer { _ = setpriority(which, thread, before) }
            return try work()
        }
    }
#else
    /// Elsewhere the work runs at the caller's priority.
    enum BackgroundPriority {
        static func run<T>(_ work: () throws -> T) rethrows -> T { try work() }
    }
#endif
