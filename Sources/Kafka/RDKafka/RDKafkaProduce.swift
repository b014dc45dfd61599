import CRdKafka
import Foundation

/// One call of `rd_kafka_produceva`, with key, value and headers copied by librdkafka.
enum RDKafkaProduce {
    static func produce(_ rk: OpaquePointer, _ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer) -> KafkaError? {
        let headers = rd_kafka_headers_new(record.headers.count)!
        for header in record.headers {
            if let value = header.value {
                value.withUnsafeBytes { _ = rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
            } else {
                _ = rd_kafka_header_add(headers, header.key, -1, nil, 0)
            }
        }
        let error: OpaquePointer? = record.topic.withCString { topic in
            withOptionalBytes(record.key) { key in
                withOptionalBytes(record.value) { value in
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 7)
                    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    fields[0].u.cstr = topic
                    fields[1].vtype = RD_KAFKA_VTYPE_PARTITION
                    fields[1].u.i32 = record.partition ?? RD_KAFKA_PARTITION_UA
                    fields[2].vtype = RD_KAFKA_VTYPE_KEY
                    fields[2].u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key.baseAddress), size: key.count)
                    fields[3].vtype = RD_KAFKA_VTYPE_VALUE
                    fields[3].u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value.baseAddress), size: value.count)
                    fields[4].vtype = RD_KAFKA_VTYPE_HEADERS
                    fields[4].u.headers = headers
                    fields[5].vtype = RD_KAFKA_VTYPE_OPAQUE
                    fields[5].u.ptr = opaque
                    fields[6].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    fields[6].u.i = RD_KAFKA_MSG_F_COPY
                    return rd_kafka_produceva(rk, fields, fields.count)
                }
            }
        }
        guard let error else { return nil }  // librdkafka now owns `headers`
        rd_kafka_headers_destroy(headers)
        return KafkaError(consuming: error)
    }

    /// Calls `body` with the bytes, or with an empty buffer with a nil base address for `nil` (a null key or value).
    private static func withOptionalBytes<T>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        guard let bytes else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return bytes.withUnsafeBytes { buffer in
            // An empty value is not a null value: give librdkafka a non-nil pointer.
            buffer.baseAddress == nil
                ? withUnsafeBytes(of: 0) { body(UnsafeRawBufferPointer(start: $0.baseAddress, count: 0)) } : body(buffer)
        }
    }
}
