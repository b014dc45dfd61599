import Foundation
import ProfileCore
import Testing

/// Seeded fuzzing of the decoder with near-valid messages of both formats.
@Suite("Decoder fuzz", .timeLimit(.minutes(1)))
struct DecoderFuzzTests {
    static let iterations = 10_000  // per seed: 20 000 in all

    @Test(arguments: [0x5EED_0001, 0xC0FF_EE42] as [UInt64])
    func mutatedEventsDecodeOrFailWithAClassDeterministically(seed: UInt64) {
        var mutator = EventMutator(random: SplitMix64(seed: seed))
        let decoder = EventDecoder()
        var classes: [PoisonError.ErrorClass: Int] = [:]
        var accepted = 0
        for iteration in 0..<Self.iterations {
            let format: EventFormat = iteration.isMultiple(of: 2) ? .userRegisteredV1 : .userCreated
            let bytes = mutator.message(format)
            let header = mutator.header()
            let result = decoder.decode(bytes, format: format, eventIDHeader: header)
            guard result == decoder.decode(bytes, format: format, eventIDHeader: header) else {
                Issue.record("seed \(seed), iteration \(iteration): decoding the same bytes twice differed")
                return
            }
            switch result {
            case .success(let decoded):
                accepted += 1
                if let problem = Self.violatedInvariant(decoded.event, format: format, bytes: bytes) {
                    Issue.record("seed \(seed), iteration \(iteration): accepted \(String(decoding: bytes, as: UTF8.self)): \(problem)")
                    return
                }
            case .failure(let error):
                classes[error.errorClass, default: 0] += 1
                if let problem = Self.misclassified(error, bytes: bytes) {
                    Issue.record("seed \(seed), iteration \(iteration): \(error) for \(String(decoding: bytes, as: UTF8.self)): \(problem)")
                    return
                }
            }
        }
        // The mutations must reach both outcomes and most classes, or this test proves little.
        #expect(accepted > Self.iterations / 50)
        #expect(classes.count >= 8, "classes reached: \(classes)")
    }

    /// What is wrong with an accepted event, checked independently of the decoder.
    static func violatedInvariant(_ event: UserCreatedEvent, format: EventFormat, bytes: [UInt8]) -> String? {
        if (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any] == nil {
            return "Foundation does not read it as a JSON object"
        }
        if event.source != format.source { return "source \(event.source)" }
        if event.userID.isEmpty || event.userID.utf8.count > 256 { return "user id of \(event.userID.utf8.count) bytes" }
        if format == .userCreated, (Int64(event.userID) ?? 0) < 1 { return "data.id \(event.userID)" }
        let email = event.email.split(separator: "@", omittingEmptySubsequences: false)
        if email.count != 2 || email.contains(where: \.isEmpty) || event.email.utf8.count > 254 { return "email \(event.email)" }
        if event.email.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) { return "email with control characters" }
        return nil
    }

    /// Whether a failure's class contradicts what an independent look at the bytes says.
    static func misclassified(_ error: PoisonError, bytes: [UInt8]) -> String? {
        if error.message.isEmpty { return "an empty message" }
        let isUTF8 = String(validating: bytes, as: UTF8.self) != nil
        if !isUTF8 { return error.errorClass == .invalidEncoding ? nil : "the bytes are not UTF-8" }
        if error.errorClass == .invalidJSON, (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) != nil {
            return "Foundation reads it as JSON"
        }
        let structural: Set<PoisonError.ErrorClass> = [.schemaViolation, .unknownEventType, .unsupportedVersion, .invalidField]
        if structural.contains(error.errorClass), (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) == nil {
            return "Foundation does not read it as JSON"
        }
        return nil
    }
}
