import Foundation
import ProfileStorage

/// How an erasure's outcome is shown: one JSON object (`profiles erase --json`, the HTTP answer) or aligned text.
public enum ErasureOutput {
    /// `{"erasure_subject","erased_sources","already_erased","profile","profile_source","dry_run","residue"}`, plus
    /// `request_id` when given (the HTTP answer). The user id is not repeated: the caller sent it.
    public static func json(_ outcome: ErasureOutcome, requestID: String? = nil) -> String {
        var text = "{\"erasure_subject\":" + (outcome.subject.map { "\"\($0.hex)\"" } ?? "null") + ",\"erased_sources\":["
        text += outcome.erasedSources.sources.map { "\"\($0.rawValue)\"" }.joined(separator: ",")
        text += "],\"already_erased\":\(outcome.alreadyErased),\"profile\":\"\(outcome.profile.rawValue)\",\"profile_source\":"
        text += outcome.profileSource.map { "\"\($0.rawValue)\"" } ?? "null"
        text += ",\"dry_run\":\(outcome.dryRun),\"residue\":"
        if let residue = outcome.residue {
            JSONText.appendString(residue, to: &text)
        } else {
            text += "null"
        }
        if let requestID {
            text += ",\"request_id\":"
            JSONText.appendString(requestID, to: &text)
        }
        return text + "}"
    }

    /// The aligned text `profiles erase` prints.
    public static func text(_ outcome: ErasureOutcome) -> String {
        let would = outcome.dryRun ? "would be " : ""
        let sources = outcome.erasedSources.sources.map(\.rawValue).joined(separator: ", ")
        let profile: String
        switch outcome.profile {
        case .deleted: profile = "\(would)deleted (from \(outcome.profileSource?.rawValue ?? "?"))"
        case .none: profile = "none stored"
        case .kept: profile = "kept: it came from \(outcome.profileSource?.rawValue ?? "?"), which this erasure does not cover"
        }
        var lines: [(String, String)] = [
            ("profiles erase", outcome.dryRun ? "dry run: nothing changed" : "done"),
            ("erasure subject", outcome.subject?.hex ?? "none yet: the first erasure chooses the key"),
            ("erased for", outcome.alreadyErased ? "\(sources) (already: nothing new recorded)" : "\(sources) (\(would)recorded now)"),
            ("profile", profile),
        ]
        if let residue = outcome.residue { lines.append(("residue", residue)) }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }
}
