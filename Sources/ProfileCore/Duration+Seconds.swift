extension Duration {
    /// This duration in seconds, as a `Double` (what `TimeInterval`, rates and reports want). Precise to far
    /// below a microsecond for any duration a process measures.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// This duration in milliseconds, as a `Double`. Exact for a whole number of milliseconds.
    public var inMilliseconds: Double {
        Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
    }
}
