import Foundation
import ProfileService
import Testing

/// docs/interface.md, the repository's own copy of the public interface, and the README's configuration table, checked
/// against the code: every setting the loader reads and every metric the service exports is documented, and nothing
/// documented is unknown to the code.
@Suite(.timeLimit(.minutes(1)))
struct InterfaceDocumentTests {
    @Test func everySettingTheLoaderReadsIsInTheInterfaceAndTheReadmeAndNoOther() throws {
        let documented = try InterfaceSettings.variables
        let read = Set(Setting.allCases.map(\.rawValue))
        #expect(read.subtracting(documented).isEmpty, "read but not documented: \(read.subtracting(documented).sorted())")
        #expect(documented.subtracting(read).isEmpty, "documented but not read: \(documented.subtracting(read).sorted())")
        for name in documented { #expect(InterfaceSettings.loaderReads(name), "\(name) is read by the configuration loader") }
        let readme = Set(MarkdownTable.firstColumn(ofSection: "Configuration", in: try RepositoryFile.text("README.md")))
        #expect(read.subtracting(readme).isEmpty, "missing from the README's table: \(read.subtracting(readme).sorted())")
    }

    @Test func everyMetricTheServiceExportsIsInTheInterface() throws {
        let metrics = ServiceMetrics()
        let exported = Set(
            metrics.render().split(separator: "\n").compactMap { line -> String? in
                guard line.hasPrefix("# TYPE ") else { return nil }
                return line.split(separator: " ").dropFirst(2).first.map(String.init)
            })
        let documented = Set(MarkdownTable.firstColumn(ofSection: "Metrics", in: try RepositoryFile.text("docs/interface.md")))
        #expect(exported.count >= 10, "\(exported.sorted())")
        #expect(exported.subtracting(documented).isEmpty, "exported but not documented: \(exported.subtracting(documented).sorted())")
    }
}
