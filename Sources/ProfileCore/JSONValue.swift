/// A parsed JSON document, as ``JSONParser`` produces it.
///
/// Objects keep their members in document order as an array: the documents this service reads have a
/// handful of members, for which a linear scan is faster than hashing. A repeated name resolves to its
/// last occurrence, as in most JSON parsers.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number: `integer` when the text is an integer that fits in 64 bits, else only `double`.
    case number(integer: Int64?, double: Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// The member named `name` of an object, `nil` when absent or when this is not an object.
    public subscript(name: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.last(where: { $0.0 == name })?.1
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let ai, let ad), .number(let bi, let bd)): ai == bi && ad == bd
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }
}
