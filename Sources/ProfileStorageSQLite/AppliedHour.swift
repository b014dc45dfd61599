import Foundation
import ProfileStorage

/// The hour a ledger entry was applied in, as the SQLite ledger stores it (`processed_event.applied_hour`):
/// whole hours since the Unix epoch. An hour is fine enough for a retention counted in hours or days, and an
/// integer keeps the per-event insert to one more bind.
enum AppliedHour {
    /// The hour `date` falls in.
    static func containing(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 / 3600).rounded(.down))
    }
}
