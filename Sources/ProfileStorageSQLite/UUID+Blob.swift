import Foundation
import ProfileStorage

/// An event id as the stores keep it: its 16 bytes, in order, as a blob (which sorts as the bytes do).
extension UUID {
    /// The id's 16 bytes.
    var blob: Data { withUnsafeBytes(of: uuid) { Data($0) } }

    /// The id whose 16 bytes `blob` holds.
    init(blob: Data) {
        self = blob.withUnsafeBytes { UUID(blob: $0) }
    }

    /// The id whose 16 bytes `blob` holds.
    init(blob: UnsafeRawBufferPointer) {
        self.init(uuid: blob.loadUnaligned(as: uuid_t.self))
    }
}
