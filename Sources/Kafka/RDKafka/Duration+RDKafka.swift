extension Duration {
    /// Whole milliseconds, rounded down and clamped to `Int32`: librdkafka's timeouts.
    var rdKafkaMilliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
    }
}
