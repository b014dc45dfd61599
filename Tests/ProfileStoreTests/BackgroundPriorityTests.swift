#if canImport(Glibc)
    import CThreadID
    import Glibc
    import Testing

    @testable import ProfileStorageSQLite

    /// Background work (a batch's write, a checkpoint) runs nicer than the process while lookups are being served, and
    /// its thread goes back to its own priority afterwards.
    @Suite("Background priority")
    struct BackgroundPriorityTests {
        private func niceness(of thread: pid_t) -> Int32 {
            getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(thread))
        }

        @Test func theWorkRunsNicerThanTheProcessAndTheThreadGetsItsPriorityBack() {
            let thread = profile_svc_thread_id()
            let process = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
            let before = niceness(of: thread)
            let during = BackgroundPriority.run { niceness(of: profile_svc_thread_id()) }
            #expect(during == min(process + BackgroundPriority.niceness, 19))
            if geteuid() == 0 {
                // Going back to a lower niceness needs the privilege, which a non-root test run lacks.
                #expect(niceness(of: thread) == before)
            }
        }

        @Test func workAlreadyInTheBackgroundIsNotMadeNicerStill() {
            let nested = BackgroundPriority.run { BackgroundPriority.run { niceness(of: profile_svc_thread_id()) } }
            let process = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
            #expect(nested == min(process + BackgroundPriority.niceness, 19))
        }

        @Test func writesYieldOnlyWhileLookupsAreRecent() {
            let thread = profile_svc_thread_id()
            let process = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
            let before = niceness(of: thread)
            let activity = LookupActivity(window: .seconds(60))
            #expect(activity.yieldingToLookups { niceness(of: thread) } == before, "no lookup yet: full priority")
            activity.lookedUp()
            #expect(activity.yieldingToLookups { niceness(of: thread) } == max(before, min(process + BackgroundPriority.niceness, 19)))
        }

        @Test func aLookupOlderThanTheWindowNoLongerSlowsTheWrites() {
            let thread = profile_svc_thread_id()
            let before = niceness(of: thread)
            let activity = LookupActivity(window: .zero)
            activity.lookedUp()
            #expect(activity.yieldingToLookups { niceness(of: thread) } == before)
        }
    }
#endif
