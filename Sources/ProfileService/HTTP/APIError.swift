import Foundation
import Hummingbird

/// An HTTP error answered as JSON: `{"error": "...", "request_id": "..."}` (plus optional details).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var headers: HTTPFields = [:]
    /// Extra members of the JSON body, e.g. readiness reasons.
    public var details: [String: [String]] = [:]

    public init(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:], details: [String: [String]] = [:]) {
        self.status = status
        self.message = message
        self.headers = headers
        self.details = details
    }

    func response(requestID: String) -> Response {
        var body = "{\"error\":"
        JSONText.appendString(message, to: &body)
        body += ",\"request_id\":"
        JSONText.appendString(requestID, to: &body)
        for key in details.keys.sorted() {
            body += ","
            JSONText.appendString(key, to: &body)
            body += ":["
            body += details[key]!.map { value in
                var text = ""
                JSONText.appendString(value, to: &text)
                return text
            }.joined(separator: ",")
            body += "]"
        }
        body += "}\n"
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
