#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One `acpd doctor` finding: a named check, its outcome, one line of detail and what to do.
struct DoctorCheck: Sendable, Equatable, Codable {
    /// The outcome of a check. `fail` makes doctor exit 1; the others do not.
    enum Status: String, Sendable, Codable {
        case pass, warn, fail, skip

        /// The symbol printed before the check in human output.
        var symbol: String {
            switch self {
            case .pass: "✓"
            case .warn: "!"
            case .fail: "✗"
            case .skip: "-"
            }
        }
    }

    var name: String
    var status: Status
    var detail: String
    /// Empty when there is nothing to do.
    var hint: String

    static func pass(_ name: String, _ detail: String, hint: String = "") -> DoctorCheck {
        DoctorCheck(name: name, status: .pass, detail: detail, hint: hint)
    }

    static func warn(_ name: String, _ detail: String, hint: String) -> DoctorCheck {
        DoctorCheck(name: name, status: .warn, detail: detail, hint: hint)
    }

    static func fail(_ name: String, _ detail: String, hint: String) -> DoctorCheck {
        DoctorCheck(name: name, status: .fail, detail: detail, hint: hint)
    }

    static func skip(_ name: String, _ detail: String, hint: String = "") -> DoctorCheck {
        DoctorCheck(name: name, status: .skip, detail: detail, hint: hint)
    }
}

/// Every check doctor ran, in order, and how to print them.
struct DoctorReport: Sendable, Codable {
    var checks: [DoctorCheck]
    /// True when no check failed.
    var ok: Bool { !checks.contains { $0.status == .fail } }

    enum CodingKeys: String, CodingKey { case checks, ok }

    init(checks: [DoctorCheck]) {
        self.checks = checks
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        checks = try container.decode([DoctorCheck].self, forKey: .checks)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(checks, forKey: .checks)
        try container.encode(ok, forKey: .ok)
    }

    /// `{"checks":[{"name","status","detail","hint"}],"ok":bool}`.
    func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(self)) ?? Data("{\"checks\":[],\"ok\":false}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// One line per check (symbol, name, detail, then an indented `next:` hint), then a summary.
    func human() -> String {
        var lines: [String] = []
        for check in checks {
            lines.append("\(check.status.symbol) \(check.name): \(check.detail)")
            if !check.hint.isEmpty, check.status != .pass { lines.append("    next: \(check.hint)") }
        }
        let count = { (status: DoctorCheck.Status) in checks.filter { $0.status == status }.count }
        lines.append("")
        lines.append("\(ok ? "OK" : "FAILED"): \(count(.pass)) passed, \(count(.warn)) warnings, \(count(.fail)) failed, \(count(.skip)) skipped")
        return lines.joined(separator: "\n")
    }
}
