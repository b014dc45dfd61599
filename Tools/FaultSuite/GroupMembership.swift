/// How a scenario's daemons join their consumer group (with the suite's 6 s session timeout either way).
enum GroupMembership: String, Sendable {
    /// Dynamic members: a restarted daemon is a new member, and the group waits for the dead one's session to
    /// time out before it moves that one's partitions.
    case dynamic
    /// Static members (`KAFKA_GROUP_INSTANCE_ID`, KIP-345): a restarted daemon is the same member and gets its
    /// partitions back without waiting for the session timeout.
    case `static`

    /// The daemon settings for the member called `instance`.
    func settings(instance: String) -> [String: String] {
        switch self {
        case .dynamic: [:]
        case .static: ["KAFKA_GROUP_INSTANCE_ID": instance]
        }
    }
}

/// The broker a scenario runs on.
enum SuiteBroker: String, Sendable {
    /// librdkafka's mock cluster in this process: fault injection, but no static membership (it finds a
    /// joining member by member id only, so a restarted static member is a new member to it).
    case mock
    /// Tansu, an independent broker, which implements static membership.
    case tansu
}
