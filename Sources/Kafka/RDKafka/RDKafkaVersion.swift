import CRdKafka

/// The linked librdkafka's version, as `rd_kafka_version()` encodes it: `0xMMmmrrxx`.
enum RDKafkaVersion {
    static var encoded: UInt32 { UInt32(bitPattern: rd_kafka_version()) }
}
