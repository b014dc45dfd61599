import CRdKafka

/// Copies a `rd_kafka_message_t` into a ``KafkaMessage``.
enum RDKafkaMessage {
    /// Topic names by librdkafka topic handle, so that the messages of one poll share one `String` per topic
    /// instead of allocating one each.
    struct TopicNames {
        private var names: [OpaquePointer: String] = [:]

        mutating func name(of topic: OpaquePointer) -> String {
            if let name = names[topic] { return name }
            let name = String(cString: rd_kafka_topic_name(topic))
            names[topic] = name
            return name
        }
    }

    static func read(_ raw: UnsafeMutablePointer<rd_kafka_message_t>, topics: inout TopicNames) -> KafkaMessage {
        let message = raw.pointee
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        return KafkaMessage(
            topic: topics.name(of: message.rkt),
            partition: message.partition,
            offset: message.offset,
            key: bytes(message.key, message.key_len),
            value: bytes(message.payload, message.len),
            headers: headers(raw),
            timestamp: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp
        )
    }

    static func errorText(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> String {
        String(cString: rd_kafka_message_errstr(raw))
    }

    private static func bytes(_ pointer: UnsafeMutableRawPointer?, _ length: Int) -> [UInt8]? {
        guard let pointer else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: length))
    }

    private static func headers(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var list: OpaquePointer?
        guard rd_kafka_message_headers(raw, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }
}
