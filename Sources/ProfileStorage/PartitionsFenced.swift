/// A batch was refused whole because another member claimed some of its partitions after this one did: their
/// owner epoch in the store is no longer the one the batch carried. Nothing of the batch was written.
///
/// Not a passing failure: retrying cannot succeed. The caller drops these partitions until they are assigned
/// to it again, and applies the rest of its work without them.
public struct PartitionsFenced: Error, Sendable, CustomStringConvertible {
    /// The partitions whose epoch had moved on.
    public var partitions: [PartitionKey]

    public init(partitions: [PartitionKey]) {
        self.partitions = partitions
    }

    public var description: String {
        "fenced: another member now owns \(partitions.map(\.description).joined(separator: ", "))"
    }
}
