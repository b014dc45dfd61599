import CRdKafka

/// Conversions between `rd_kafka_topic_partition_list_t` and Swift values.
enum RDKafkaTopicPartitionList {
    /// A new list, to be destroyed with `rd_kafka_topic_partition_list_destroy`.
    static func make(_ entries: [KafkaTopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
        for entry in entries {
            let element = rd_kafka_topic_partition_list_add(list, entry.topicPartition.topic, entry.topicPartition.partition)!
            element.pointee.offset = entry.offset
        }
        return list
    }

    static func withList<T>(
        _ entries: [KafkaTopicPartitionOffset], _ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws -> T
    ) rethrows -> T {
        let list = make(entries)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return try body(list)
    }

    static func read(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartitionOffset] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return KafkaTopicPartitionOffset(topic: String(cString: element.topic), partition: element.partition, offset: element.offset)
        }
    }

    /// Per-partition errors in `list`, if any.
    static func errors(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(KafkaTopicPartition, KafkaError)] {
        (0..<Int(list.pointee.cnt)).compactMap { index in
            let element = list.pointee.elems[index]
            guard element.err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
            return (KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition), KafkaError(element.err))
        }
    }

    static func setOffsets(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, _ offsets: [KafkaTopicPartition: Int64]) {
        guard !offsets.isEmpty else { return }
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let key = KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition)
            if let offset = offsets[key] { list.pointee.elems[index].offset = offset }
        }
    }
}
