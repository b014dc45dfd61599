import Foundation
import ProfileCore
import TestSupport
import Testing

/// Seeded fuzzing of the decoder, with properties that a wrong decoder fails:
/// - every mutated message is classified: decoded into an event that keeps the field rules, or refused with a
///   class a source message can get and a reason, consistent with an independent look at the bytes;
/// - a message changed only in ways its producer may change it (member order, white space, escapes, unknown and
///   optional members) decodes to exactly the fields written into it;
/// - a message with one rule broken gets that rule's class.
/// Each run prints its seed first, so that a crash can be repeated; each failure names its seed and iteration.
@Suite("Decoder fuzz", .timeLimit(.minutes(1)))
struct DecoderFuzzTests {
    static let iterations = 10_000  // per seed and test
    static let seeds: [UInt64] = [0x5EED_0001, 0xC0FF_EE42]

    /// The classes a message read from a source topic can get from the decoder with its default limit.
    static let messageClasses = Set(PoisonError.ErrorClass.allCases).subtracting([.unknownTopic, .tooLarge])

    @Test(arguments: seeds)
    func everyMutationIsDecodedOrClassified(seed: UInt64) {
        Self.announce(#function, seed)
        var mutator = EventMutator(random: SplitMix64(seed: seed))
        let decoder = EventDecoder()
        var classes: [PoisonError.ErrorClass: Int] = [:]
        var accepted = 0
        for iteration in 0..<Self.iterations {
            let format: EventFormat = iteration.isMultiple(of: 2) ? .userRegisteredV1 : .userCreated
            let bytes = mutator.message(format)
            let header = mutator.header()
            let context = "seed \(Self.hex(seed)), iteration \(iteration), \(format), header \(header ?? "none")"
            switch decoder.decode(bytes, format: format, eventIDHeader: header) {
            case .success(let decoded):
                accepted += 1
                if let problem = Self.violatedInvariant(decoded.event, format: format, bytes: bytes) {
                    Issue.record("\(context): accepted \(String(decoding: bytes, as: UTF8.self)): \(problem)")
                    return
                }
            case .failure(let error):
                classes[error.errorClass, default: 0] += 1
                if !Self.messageClasses.contains(error.errorClass) {
                    Issue.record("\(context): \(error) is not a class a source message can get")
                    return
                }
                if let problem = Self.misclassified(error, bytes: bytes) {
                    Issue.record("\(context): \(error) for \(String(decoding: bytes, as: UTF8.self)): \(problem)")
                    return
                }
            }
        }
        // The mutations must reach both outcomes and most classes, or this test proves little.
        #expect(accepted > Self.iterations / 50, "seed \(Self.hex(seed))")
        #expect(classes.count >= 8, "seed \(Self.hex(seed)), classes reached: \(classes)")
    }

    @Test(arguments: seeds)
    func validEventsWrittenAnyWayDecodeToExactlyTheirFields(seed: UInt64) {
        Self.announce(#function, seed)
        var sampler = EventSampler(random: SplitMix64(seed: seed))
        let decoder = EventDecoder()
        for iteration in 0..<Self.iterations {
            let sample = sampler.valid(iteration.isMultiple(of: 2) ? .userRegisteredV1 : .userCreated)
            let bytes = sampler.bytes(sample.document)
            guard case .decoded(let expected, let conflict) = sample.expected else { continue }
            let result = decoder.decode(bytes, format: sample.format, eventIDHeader: sample.header)
            guard case .success(let decoded) = result, decoded.event == expected, decoded.conflictingHeaderEventID == conflict else {
                Issue.record(
                    """
                    seed \(Self.hex(seed)), iteration \(iteration): \(String(decoding: bytes, as: UTF8.self)) \
                    with header \(sample.header ?? "none") gave \(result), not \(expected) (conflicting header \(conflict ?? "none"))
                    """)
                return
            }
        }
    }

    @Test(arguments: seeds)
    func eventsWithOneRuleBrokenGetThatRulesClass(seed: UInt64) {
        Self.announce(#function, seed)
        var sampler = EventSampler(random: SplitMix64(seed: seed))
        var reached: [PoisonError.ErrorClass: Int] = [:]
        for iteration in 0..<Self.iterations {
            let format: EventFormat = (iteration / 10).isMultiple(of: 2) ? .userRegisteredV1 : .userCreated
            var decoder = EventDecoder()
            var sample: EventSampler.Sample
            var bytes: [UInt8]?
            switch iteration % 10 {
            case 0:
                sample = sampler.valid(format)
                bytes = sampler.cutShort(sampler.bytes(sample.document))
                (sample.expected, sample.change) = (.poison(.invalidJSON), "cut short")
            case 1:
                sample = sampler.valid(format)
                let whole = sampler.bytes(sample.document)
                decoder.maxMessageBytes = Int.random(in: 1..<whole.count, using: &sampler.random)
                bytes = whole
                (sample.expected, sample.change) = (.poison(.tooLarge), "limit \(decoder.maxMessageBytes) bytes")
            case 2 where (iteration / 20).isMultiple(of: 2):
                sample = sampler.valid(format)
                bytes = Bool.random(using: &sampler.random) ? [] : nil
                (sample.expected, sample.change) = (.poison(.emptyValue), bytes == nil ? "null" : "empty")
            default:
                sample = sampler.broken(format)
                bytes = sampler.bytes(sample.document)
            }
            guard case .poison(let expected) = sample.expected else { continue }
            reached[expected, default: 0] += 1
            let result = decoder.decode(bytes, format: format, eventIDHeader: sample.header)
            guard case .failure(let error) = result, error.errorClass == expected, !error.message.isEmpty else {
                Issue.record(
                    """
                    seed \(Self.hex(seed)), iteration \(iteration), \(format), \(sample.change): \
                    \(bytes.map { String(decoding: $0, as: UTF8.self) } ?? "null") gave \(result), not \(expected.rawValue)
                    """)
                return
            }
        }
        #expect(reached.keys.count == Self.messageClasses.count + 1, "seed \(Self.hex(seed)), classes reached: \(reached)")
    }

    private static func announce(_ test: String, _ seed: UInt64) {
        FileHandle.standardError.write(Data("DecoderFuzzTests.\(test): seed \(hex(seed))\n".utf8))
    }

    private static func hex(_ seed: UInt64) -> String {
        "0x" + String(seed, radix: 16, uppercase: true)
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
        if structural.contains(error.errorClass), (try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed)) == nil
        {
            return "Foundation does not read it as JSON"
        }
        return nil
    }
}
