import Foundation
import Hummingbird
import Synchronization

/// Counts the lookups (`GET /v1/profiles/{id}`) the benchmark's HTTP API serves and the disk reads they cause, for
/// the pages read per lookup while the worker writes beside them.
///
/// A lookup reads SQLite's pages synchronously on the thread that serves it, so the reads it causes are that
/// thread's: its `read_bytes` (``threadReadBytes``) before and after. The worker's reads, on other threads, do not
/// count. A lookup whose handling moved to another thread on the way is counted as served but not measured.
public final class LookupReadMeter: Sendable {
    /// What the meter saw.
    public struct Reading: Sendable {
        public var served = 0
        public var measured = 0
        /// Bytes read from the disk by the measured lookups.
        public var readBytes: Int64 = 0
    }

    private let state = Mutex(Reading())

    public var reading: Reading { state.withLock { $0 } }

    /// Serves `request` with `responder`; a lookup is counted and, when it stays on one thread, measured.
    func serve<Responder: HTTPResponder>(_ request: Request, context: Responder.Context, with responder: Responder) async throws
        -> Response
    {
        guard request.method == .get, request.uri.path.hasPrefix("/v1/profiles/") else {
            return try await responder.respond(to: request, context: context)
        }
        let thread = pthread_self()
        let before = Self.threadReadBytes
        let response = try await responder.respond(to: request, context: context)
        let read = Self.threadReadBytes - before
        let sameThread = pthread_equal(thread, pthread_self()) != 0
        state.withLock { reading in
            reading.served += 1
            if sameThread {
                reading.measured += 1
                reading.readBytes += read
            }
        }
        return response
    }

    /// The calling thread's `read_bytes`: Linux reports it in `getrusage(RUSAGE_THREAD)` as `ru_inblock`, in
    /// 512-byte units. (glibc declares `RUSAGE_THREAD`, 1, only under `_GNU_SOURCE`.)
    private static var threadReadBytes: Int64 {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)
        return Int64(usage.ru_inblock) * 512
    }
}

/// An HTTP responder that passes every request through a ``LookupReadMeter``.
struct MeteredResponder<Base: HTTPResponder>: HTTPResponder {
    let base: Base
    let meter: LookupReadMeter

    func respond(to request: Request, context: Base.Context) async throws -> Response {
        try await meter.serve(request, context: context, with: base)
    }
}
