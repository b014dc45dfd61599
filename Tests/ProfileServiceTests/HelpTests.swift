import Foundation
import ProfileService
import Testing

/// The built binary's `--help`, as an operator reads it.
@Suite("Help", .timeLimit(.minutes(1)))
struct HelpTests {
    @Test func runHelpListsEverySettingWithItsDefault() async throws {
        let help = try await ProfileSvcBinary.run(["run", "--help"], environment: [:])
        #expect(help.status == 0)
        for setting in Setting.allCases {
            #expect(
                help.stdout.contains("\(setting.rawValue) (default: \(setting.defaultValue)):"), "\(setting.rawValue) in\n\(help.stdout)")
        }
        #expect(help.stdout.contains("HTTP_PORT (default: \(ServiceConfiguration().http.port))"))
        #expect(help.stdout.contains("KAFKA_PROP_<NAME>"))
    }
}
