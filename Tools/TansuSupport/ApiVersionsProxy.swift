import Foundation
import TestSupport

/// A TCP relay in front of Tansu that drops the optional tagged fields of ApiVersions (v3+) responses.
///
/// Why: Tansu 0.6.0 answers ApiVersions v3 with the KIP-482 tagged fields SupportedFeatures,
/// FinalizedFeaturesEpoch, FinalizedFeatures and ZkMigrationReady. librdkafka 2.0.2 (Debian bookworm's)
/// skips a tagged field by its length minus one, so it misreads them ("Protocol read buffer underflow for
/// ApiVersion v3 ... expected 216172782113783806 bytes") and never gets past the ApiVersions handshake.
/// Tagged fields are optional, so a response without them is valid; everything else passes unchanged.
/// No client setting avoids this (`api.version.request=false` would fall back to a pre-0.10 protocol
/// without headers), and later librdkafka releases skip tags correctly.
final class ApiVersionsProxy: Sendable {
    let port: Int
    private let process: ChildProcess

    /// Relays `port` to `brokerPort`, both on `host`.
    init(port: Int, brokerPort: Int, directory: URL, on host: ServerHost) async throws {
        self.port = port
        let (executable, arguments) = host.command(
            URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", Self.script, host.address, String(port), String(brokerPort)])
        process = try ChildProcess(executable, arguments, directory: directory, logFile: directory.appendingPathComponent("proxy.log"))
        let process = process
        try await eventually(timeout: .seconds(20), "the proxy to accept connections on \(host.address):\(port)") {
            guard process.isRunning else { throw TimedOut(description: "the proxy exited:\n\(process.logTail())") }
            return LocalPort.accepts(port, on: host.address)
        }
    }

    func stop() async throws {
        _ = try await process.terminate(within: .seconds(5))
    }

    private static let script = #"""
        import asyncio, struct, sys

        API_VERSIONS = 18

        def uvarint(data, index):
            shift = value = 0
            while True:
                byte = data[index]
                index += 1
                value |= (byte & 0x7F) << shift
                shift += 7
                if byte < 0x80:
                    return value, index

        def without_tags(body):
            # correlation id, error code, compact array of (api key, min, max, tags), throttle time, tags
            index = 4 + 2
            count, index = uvarint(body, index)
            for _ in range(count - 1):
                _, index = uvarint(body, index + 6)
            return body[:index + 4] + b"\x00"

        async def frames(reader):
            while True:
                size = struct.unpack(">i", await reader.readexactly(4))[0]
                yield await reader.readexactly(size)

        async def requests(reader, writer, pending):
            async for frame in frames(reader):
                key, version, correlation = struct.unpack(">hhi", frame[:8])
                pending[correlation] = (key, version)
                writer.write(struct.pack(">i", len(frame)) + frame)
                await writer.drain()

        async def responses(reader, writer, pending):
            async for frame in frames(reader):
                key, version = pending.pop(struct.unpack(">i", frame[:4])[0], (None, 0))
                if key == API_VERSIONS and version >= 3 and frame[4:6] == b"\x00\x00":
                    frame = without_tags(frame)
                writer.write(struct.pack(">i", len(frame)) + frame)
                await writer.drain()

        async def relay(client_reader, client_writer):
            try:
                broker_reader, broker_writer = await asyncio.open_connection(sys.argv[1], int(sys.argv[3]))
            except OSError:
                client_writer.close()
                return
            pending = {}
            tasks = [asyncio.create_task(requests(client_reader, broker_writer, pending)),
                     asyncio.create_task(responses(broker_reader, client_writer, pending))]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                task.cancel()
            client_writer.close()
            broker_writer.close()

        async def main():
            server = await asyncio.start_server(relay, sys.argv[1], int(sys.argv[2]))
            async with server:
                await server.serve_forever()

        asyncio.run(main())
        """#
}
