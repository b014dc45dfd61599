import Foundation
import TestSupport

/// How the suite runs its multi-host scenarios: this process builds the lab, runs the suite again on the lab's `ops`
/// host (a process cannot move the threads it already runs into another network namespace), and tears the lab down
/// when that run ends, or when this process is interrupted or terminated.
enum LabSession {
    /// Runs this executable with `arguments` plus `--lab <name>` inside a new lab; returns its exit status.
    static func run(arguments: [String]) throws -> Int32 {
        guard getuid() == 0 else {
            throw SuiteError("the multi-host scenarios need root: they create network namespaces (ip netns)")
        }
        let lab = try NetworkLab.create(name: "pfs\(String(UInt16.random(in: 0x1000...0xffff), radix: 16))", hosts: LabCluster.hostNames)
        say("lab \(lab.name): " + lab.hosts.map(\.description).joined(separator: ", "))
        let signals = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                lab.tearDown()
                exit(128 + number)
            }
            source.resume()
            return source
        }
        defer {
            for source in signals { source.cancel() }
            lab.tearDown()
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        let (command, commandArguments) = lab.server(lab.host("ops")).command(executable, arguments + ["--lab", lab.name])
        let process = try SpawnedProcess(command, commandArguments)
        process.waitUntilExit()
        return process.exitStatus ?? 1
    }
}
