/// A setting that was given but changes nothing, such as a misspelt name: logged once at start, one line
/// naming it, and never a reason not to start.
public struct ConfigurationWarning: Sendable, Equatable, CustomStringConvertible {
    /// The name as it was given, e.g. `HTTP_PROT`.
    public var setting: String
    public var message: String

    public var description: String { "\(setting): \(message)" }
}
