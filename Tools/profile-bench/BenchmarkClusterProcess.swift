import Foundation

/// The cluster process, seen from the benchmark: started as `<this executable> --serve-cluster`, it
/// publishes the workload, prints one JSON line of ``BenchmarkClusterInfo`` and serves until its standard
/// input closes (that is, until the benchmark exits, however it exits).
public final class BenchmarkClusterProcess {
    public let info: BenchmarkClusterInfo
    private let process: Process
    private let input: Pipe

    private init(info: BenchmarkClusterInfo, process: Process, input: Pipe) {
        self.info = info
        self.process = process
        self.input = input
    }

    /// Starts the cluster process and waits for its report.
    public static func start(events: Int, traceContext: Bool = false) throws -> BenchmarkClusterProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["--serve-cluster", "--events", String(events)] + (traceContext ? ["--trace-context"] : [])
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line: [UInt8] = []
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            guard let first = byte.first else {
                throw BenchmarkFailure("the cluster process exited before it was ready (see its errors above)")
            }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        let info = try JSONDecoder().decode(BenchmarkClusterInfo.self, from: Data(line))
        return BenchmarkClusterProcess(info: info, process: process, input: input)
    }

    /// Serves a cluster in this process (the `--serve-cluster` side): prints its info, then waits for EOF on stdin.
    public static func serve(events: Int, traceContext: Bool) async throws {
        let (cluster, info) = try await BenchmarkCluster.start(
            events: events, traceContext: traceContext, logger: .init(label: "profile-svc.bench.cluster"))
        var line = try JSONEncoder().encode(info)
        line.append(UInt8(ascii: "\n"))
        FileHandle.standardOutput.write(line)
        _ = FileHandle.standardInput.readDataToEndOfFile()
        withExtendedLifetime(cluster) {}
    }

    /// Stops the cluster process.
    public func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}
