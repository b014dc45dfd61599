import Foundation

/// Writes a line to standard output at once (unbuffered, so progress shows also when redirected to a file).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
