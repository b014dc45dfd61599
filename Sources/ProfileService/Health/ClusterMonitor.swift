import Kafka
import Logging
import ServiceLifecycle

/// Probes the cluster every few seconds with a metadata request: is a broker answering, and do the source
/// and DLQ topics exist? Results go to ``ServiceHealth``; changes are logged once, not on every probe. A graceful
/// shutdown ends it at once, between probes, rather than after the interval.
///
/// Missing topics are never created here: real clusters often disable auto-creation on purpose, and a topic
/// created with default settings is worse than a clear error.
public struct ClusterMonitor: Service {
    let consumer: KafkaConsumer
    let requiredTopics: [String]
    let interval: Duration
    let health: ServiceHealth
    let logger: Logger

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await probe()
            // A graceful shutdown (or cancellation) ends the wait at once, not after the rest of the interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    func probe() async {
        do {
            let topics = try await consumer.topics(timeout: .seconds(5))
            let missing = requiredTopics.filter { topics[$0] == nil }
            let (before, _) = health.update {
                $0.brokerReachable = true
                $0.brokerError = nil
                $0.missingTopics = missing
            }
            if !before.brokerReachable { logger.info("kafka reachable", metadata: ["topics_seen": "\(topics.count)"]) }
            if missing != before.missingTopics && !missing.isEmpty {
                logger.error(
                    "required topics are missing; not ready until they exist (they are not created automatically)",
                    metadata: ["missing_topics": .array(missing.map { .string($0) })])
            }
        } catch let error as KafkaError where error.isClosing {
            // The worker is leaving the group on its way out: nothing learnt about the cluster.
            return
        } catch {
            let (before, _) = health.update {
                $0.brokerReachable = false
                $0.brokerError = "\(error)"
            }
            if before.brokerReachable || before.brokerError == nil {
                logger.warning("kafka unreachable; still trying", metadata: ["error": "\(error)"])
            }
        }
    }
}
