import Foundation
import TestSupport

/// A TCP relay on a host of the lab that can make its link slow, as a congested or long-distance link is: while slow,
/// every chunk is delivered `delay` after it arrived, each way (so a round trip takes twice that), in order, the closes
/// too. The kernel here has no `sch_netem`, so the delay is added by a program in the path.
final class DelayingRelay: Sendable {
    /// Where clients connect.
    let address: String
    let port: Int
    private let process: ChildProcess

    /// Relays `host`'s `port` to `target`, fast until ``slow()``.
    init(on host: ServerHost, port: Int, to target: (address: String, port: Int), delay: Duration, directory: URL) async throws {
        address = host.address
        self.port = port
        let (executable, arguments) = host.command(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "-c", Self.script, host.address, String(port), target.address, String(target.port), String(delay.inSeconds)])
        process = try ChildProcess(executable, arguments, directory: directory, logFile: directory.appendingPathComponent("relay.log"))
        let process = process, address = address
        try await eventually(timeout: .seconds(20), "the relay to accept connections on \(address):\(port)") {
            guard process.isRunning else { throw SuiteError("the relay exited:\n\(process.logTail())") }
            return LocalPort.accepts(port, on: address)
        }
    }

    /// From now on, every chunk waits the delay.
    func slow() { process.send(signal: SIGUSR1) }

    /// From now on, chunks pass at once (those already waiting keep their time).
    func fast() { process.send(signal: SIGUSR2) }

    func stop() async {
        _ = try? await process.terminate(within: .seconds(5))
    }

    private static let script = #"""
        import asyncio, signal, sys

        host, port, target_host, target_port, slow_delay = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
        delay = 0.0

        def set_delay(value):
            global delay
            delay = value

        async def pump(reader, writer):
            loop = asyncio.get_running_loop()
            queue = asyncio.Queue()

            async def deliver():
                while True:
                    due, data = await queue.get()
                    wait = due - loop.time()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    if not data:
                        writer.close()
                        return
                    writer.write(data)
                    await writer.drain()

            delivery = asyncio.create_task(deliver())
            try:
                while data := await reader.read(65536):
                    queue.put_nowait((loop.time() + delay, data))
            except OSError:
                pass
            queue.put_nowait((loop.time() + delay, b""))
            try:
                await delivery
            except OSError:
                pass

        async def relay(client_reader, client_writer):
            try:
                server_reader, server_writer = await asyncio.open_connection(target_host, target_port)
            except OSError:
                client_writer.close()
                return
            await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer))

        async def main():
            loop = asyncio.get_running_loop()
            # Started from a thread that blocks signals, this process inherits its mask.
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1, signal.SIGUSR2})
            loop.add_signal_handler(signal.SIGUSR1, set_delay, slow_delay)
            loop.add_signal_handler(signal.SIGUSR2, set_delay, 0.0)
            server = await asyncio.start_server(relay, host, port)
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """#
}
