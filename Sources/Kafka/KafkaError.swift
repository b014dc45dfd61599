/// An error reported by librdkafka or by this layer.
///
/// The decisive question for a caller is whether trying again may help: ``isRetriable`` is true for
/// errors that a later attempt may not meet (a broker down, a timeout, a full queue), false for
/// errors that the same request will always meet.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// librdkafka's error code (`rd_kafka_resp_err_t`), or `nil` for errors raised by this layer.
    public let code: Int32?
    /// librdkafka's name for the code, e.g. `_ALL_BROKERS_DOWN`, or a short name of this layer's.
    public let name: String
    /// A human-readable explanation.
    public let message: String
    /// Whether a later attempt of the same operation may succeed.
    public let isRetriable: Bool
    /// Whether the client instance is unusable and must be recreated.
    public let isFatal: Bool

    public init(name: String, message: String, isRetriable: Bool = false, isFatal: Bool = false, code: Int32? = nil) {
        self.code = code
        self.name = name
        self.message = message
        self.isRetriable = isRetriable
        self.isFatal = isFatal
    }

    /// librdkafka reports that no broker of the cluster can be reached.
    public var isAllBrokersDown: Bool { code == Self.allBrokersDownCode }

    /// The client is closing (or destroyed): the request was not sent, and says nothing of the cluster.
    public var isClosing: Bool { code == Self.destroyCode }

    public var description: String { "\(name): \(message)" }
}
