/// The upstream sources whose events for an erased user id create nothing: both, unless the erasure was narrowed
/// to one (`--source`) because the two upstreams use the same id for different people.
public struct ErasedSources: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) {
        self.rawValue = rawValue
    }

    public static let authService = ErasedSources(rawValue: 1 << 0)
    public static let usersService = ErasedSources(rawValue: 1 << 1)
    /// Every source: an erasure not narrowed to one.
    public static let all: ErasedSources = [.authService, .usersService]

    /// The set of `source` alone.
    public init(_ source: EventSource) {
        switch source {
        case .authService: self = .authService
        case .usersService: self = .usersService
        }
    }

    /// Whether events of `source` are covered.
    public func covers(_ source: EventSource) -> Bool {
        contains(ErasedSources(source))
    }

    /// The sources in the set, in ``EventSource`` order.
    public var sources: [EventSource] {
        EventSource.allCases.filter(covers)
    }
}
