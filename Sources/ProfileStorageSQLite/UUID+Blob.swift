import Foundation
import ProfileStorage

/// An event id as the stores keep it: its 16 bytes, in order, as a blob (which sorts as the bytes do).
extension UUID {
    /// The id's 16 bytes.
    var blob: Data { withUnsafeBytes(of: uuid) { Data($0) } }

    /// The id whose 16 bytes `blob` holds.
    init(blob: Data) {
        self.init(uuid: blob.withUnsafeBytes { $0.loadUnaligned(as: uuid_t.self) })
    }
}
