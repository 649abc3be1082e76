import Bindings
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The env file the service reads (`<config dir>/acpd.env`, `NAME=value` lines, mode 0600): the
/// setup wizards keep tokens there, never in the config.
struct EnvFile {
    let path: String

    /// The file beside the config at `configPath`.
    static func beside(config configPath: String) -> EnvFile {
        EnvFile(path: PathRules.join(PathRules.directory(of: configPath), "acpd.env"))
    }

    /// Its variables (empty when it does not exist).
    func values() -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard !trimmed.hasPrefix("#"), let equals = trimmed.firstIndex(of: "=") else { continue }
            values[String(trimmed[..<equals])] = String(trimmed[trimmed.index(after: equals)...])
        }
        return values
    }

    /// Sets `name` (replacing its line, keeping the others) and leaves the file at mode 0600.
    func set(_ name: String, _ value: String) throws {
        let old = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "# acpd secrets: read by the acpd service (EnvironmentFile=); keep it mode 0600.\n"
        var lines = old.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        let line = "\(name)=\(value)"
        if let index = lines.firstIndex(where: { $0.hasPrefix("\(name)=") }) { lines[index] = line } else { lines.append(line) }
        try Self.writePrivate(lines.joined(separator: "\n") + "\n", to: path)
    }

    /// Writes `text` to `path` at mode 0600: created 0600 before the secret goes in; an existing
    /// file is tightened first.
    static func writePrivate(_ text: String, to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw EnvFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        fchmod(descriptor, 0o600)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard result > 0 else { throw EnvFileError(path: path, reason: String(cString: strerror(errno))) }
            written += result
        }
    }
}
