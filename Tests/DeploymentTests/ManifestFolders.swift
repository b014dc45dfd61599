import Foundation

/// The folders Package.swift builds from, read from the manifest's text: each target's `path:`, or SwiftPM's default
/// (`Sources/<name>`, `Tests/<name>` for a test target).
enum ManifestFolders {
    /// Every target's folder, relative to the repository.
    static func targetFolders(of manifest: String) -> [String] {
        let declaration = /\.(target|executableTarget|systemLibrary|testTarget)\(\s*name:\s*"([^"]+)"/
        let declarations = manifest.matches(of: declaration)
        return declarations.enumerated().map { index, match in
            let end = index + 1 < declarations.count ? declarations[index + 1].range.lowerBound : manifest.endIndex
            if let path = manifest[match.range.upperBound..<end].firstMatch(of: /path:\s*"([^"]+)"/) { return String(path.1) }
            return (match.1 == "testTarget" ? "Tests/" : "Sources/") + match.2
        }
    }

    /// The top-level folders those target folders are in (`Sources`, `Tests`, `Tools`).
    static func topLevelFolders(of manifest: String) -> Set<String> {
        Set(targetFolders(of: manifest).compactMap { $0.split(separator: "/").first.map(String.init) })
    }
}
