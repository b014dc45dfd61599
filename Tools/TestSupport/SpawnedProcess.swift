import Foundation
import Synchronization

/// A program started with `posix_spawn`, where the tools would use Foundation's `Process`: on Linux its `run()`
/// (swift-corelibs-foundation before pull request 5472, Swift 6.3.1's included) copies each entry of `/proc/self/fd`
/// as a whole 256-byte name, reading past the end of glibc's directory buffer, and now and then crashes the process
/// that starts the program (the tests, which hold many descriptors, hit it about once in ten CI runs).
///
/// As `Process` does, the program gets a process group of its own and no descriptor of the caller's but the ones
/// given; its standard input is `/dev/null`.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    /// The wait status, once the program has ended and been waited for.
    private let waitStatus = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`, in `directory` (the caller's when nil), with `environment` (the caller's
    /// when nil), its standard output going to the descriptor `output` and its standard error to `errors` (to `output`
    /// when nil; the caller's own when both are nil).
    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil, directory: URL? = nil,
        output: Int32? = nil, errors: Int32? = nil
    ) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let output { posix_spawn_file_actions_adddup2(&actions, output, 1) }
        if let errors = errors ?? output { posix_spawn_file_actions_adddup2(&actions, errors, 2) }
        if let directory { _ = GNUSpawnActions.addChdir(&actions, directory.path) }
        _ = GNUSpawnActions.addCloseFrom(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))

        let argv = ([executable.path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let variables = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        let envp = variables.map { strdup($0) } + [nil]
        defer { for variable in envp { free(variable) } }

        var pid = pid_t()
        let code = posix_spawn(&pid, executable.path, &actions, &attributes, argv, envp)
        guard code == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO, userInfo: [NSFilePathErrorKey: executable.path])
        }
        self.pid = pid
    }

    /// Whether the program has not ended yet.
    public var isRunning: Bool {
        waitStatus.withLock { status in
            if status != nil { return false }
            var raw: Int32 = 0
            switch waitpid(pid, &raw, WNOHANG) {
            case pid: status = raw
            // Waited for elsewhere: ended, its status unknown (-1 reads as ended by a signal).
            case -1 where errno == ECHILD: status = -1
            default: return true
            }
            return false
        }
    }

    /// Waits for the program to end.
    public func waitUntilExit() {
        while isRunning {
            var raw: Int32 = 0
            if waitpid(pid, &raw, 0) == pid {
                waitStatus.withLock { $0 = raw }
            }
        }
    }

    /// The exit status, once the program has ended by exiting; nil while it runs, and when a signal ended it.
    public var exitStatus: Int32? {
        guard !isRunning, let raw = waitStatus.withLock({ $0 }) else { return nil }
        // WIFEXITED and WEXITSTATUS, which Swift does not import (macros).
        return raw & 0x7f == 0 ? (raw >> 8) & 0xff : nil
    }

    /// Waits for the program to end, without holding a thread: its exit status (nil when a signal ended it).
    public func exit() async throws -> Int32? {
        while isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return exitStatus
    }

    /// SIGTERM, then waits up to `timeout` for the program to end: its exit status; nil when a signal ended it, and
    /// when it was still running at `timeout` (or the wait was cancelled), where it is killed (SIGKILL) and waited for.
    public func terminate(within timeout: Duration) async throws -> Int32? {
        guard isRunning else { return exitStatus }
        send(signal: SIGTERM)
        let deadline = ContinuousClock.now + timeout
        do {
            while isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        } catch {
            kill()
            throw error
        }
        guard !isRunning else {
            kill()
            return nil
        }
        return exitStatus
    }

    /// SIGKILL, and waits for the program to end.
    public func kill() {
        guard isRunning else { return }
        send(signal: SIGKILL)
        waitUntilExit()
    }

    /// Sends `signal` to the program.
    public func send(signal: Int32) {
        Foundation.kill(pid, signal)
    }
}

/// glibc's `posix_spawn_file_actions_addchdir_np` (2.29) and `posix_spawn_file_actions_addclosefrom_np` (2.34), which
/// Swift does not see: glibc declares them only under `_GNU_SOURCE`. Looked up once, by name.
private enum GNUSpawnActions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static let addChdir = unsafeBitCast(function("posix_spawn_file_actions_addchdir_np"), to: AddChdir.self)
    static let addCloseFrom = unsafeBitCast(function("posix_spawn_file_actions_addclosefrom_np"), to: AddCloseFrom.self)

    /// The C library's function `name` (`RTLD_DEFAULT`: the null handle).
    private static func function(_ name: String) -> UnsafeMutableRawPointer {
        guard let function = dlsym(nil, name) else { fatalError("\(name) is missing: glibc 2.34 or later is needed") }
        return function
    }
}
