import ProfileCore

/// One message after the decode step: a valid event, or a poison message.
public enum DecodedMessage: Sendable {
    /// A valid event and where its message was read.
    public struct Event: Sendable {
        var origin: MessageOrigin
        var decoded: EventDecoder.Decoded
    }

    /// A message that can never be processed, kept whole for the DLQ.
    public struct Poison: Sendable {
        var message: InboundMessage
        var error: PoisonError
    }

    case event(Event)
    case poison(Poison)

    /// Where the message was read.
    var origin: MessageOrigin {
        switch self {
        case .event(let event): event.origin
        case .poison(let poison): poison.message.origin
        }
    }

    /// The event's id, when it decoded.
    public var eventID: String? {
        guard case .event(let event) = self else { return nil }
        return event.decoded.event.eventID.lowercasedText
    }
}
