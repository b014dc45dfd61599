/// librdkafka configuration properties, by their librdkafka names (`bootstrap.servers`, ...).
///
/// This layer passes them through unchanged; the names and values are librdkafka's
/// (see librdkafka's CONFIGURATION.md). Creating a client with an unknown property or an invalid
/// value fails with a ``KafkaError`` that names the property.
public struct KafkaConfiguration: Sendable, Equatable {
    /// The properties, by name.
    public var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public subscript(name: String) -> String? {
        get { properties[name] }
        set { properties[name] = newValue }
    }

    /// This configuration with `other`'s properties laid over it.
    public func merging(_ other: [String: String]) -> KafkaConfiguration {
        KafkaConfiguration(properties.merging(other) { _, new in new })
    }
}
