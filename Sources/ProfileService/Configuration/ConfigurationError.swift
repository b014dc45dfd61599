/// A setting that cannot be used. Printed as one line naming the setting; the process exits 78.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The setting's public name, e.g. `HTTP_PORT`.
    public var setting: String
    public var reason: String

    public init(setting: String, reason: String) {
        self.setting = setting
        self.reason = reason
    }

    public var description: String { "\(setting): \(reason)" }
}
