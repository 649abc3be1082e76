import Foundation
import Testing
import TestSupport

/// The built `acpd` executable must not contain Foundation (libFoundation and its ICU data cost
/// ~9 MiB of idle RSS; FoundationEssentials is fine), and it links the Swift runtime statically
/// (Package.swift `leanLinking`: another ~4 MiB). Checked on the ELF dynamic section's NEEDED
/// entries, read straight from the file (no `readelf` needed), and on the file's symbol names,
/// which also catches a Foundation linked statically.
@Suite("acpd's linked libraries")
struct LinkedLibrariesTests {
    /// Libraries a Foundation-free Swift program does not need.
    static let forbidden = [
        "libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so",
        "libFoundationNetworking.so", "libFoundationXML.so",
    ]
    /// Mangled-name prefixes of symbols of the Foundation and FoundationInternationalization modules.
    static let forbiddenSymbols = ["$s10Foundation", "$s30FoundationInternationalization"]

    private static var acpd: String { TestPaths.product("acpd") }

    @Test("the NEEDED reader sees the C libraries acpd loads", .enabled(if: ELFNeeded.isSupportedHost))
    func readerWorks() throws {
        let needed = try ELFNeeded.libraries(of: Self.acpd)
        #expect(needed.contains { $0.hasPrefix("libc.so") }, "NEEDED: \(needed)")
        #expect(needed.contains { $0.hasPrefix("libsqlite3.so") }, "NEEDED: \(needed)")
    }

    @Test("acpd does not link Foundation", .enabled(if: ELFNeeded.isSupportedHost))
    func noFoundation() throws {
        let needed = try ELFNeeded.libraries(of: Self.acpd)
        #expect(needed.filter(Self.forbidden.contains) == [], "NEEDED: \(needed)")
        let image = try Data(contentsOf: URL(fileURLWithPath: Self.acpd), options: .alwaysMapped)
        for prefix in Self.forbiddenSymbols {
            #expect(image.range(of: Data(prefix.utf8)) == nil, "acpd contains symbols of \(prefix.dropFirst(4))")
        }
    }

    @Test("acpd links the Swift runtime statically", .enabled(if: ELFNeeded.isSupportedHost))
    func staticRuntime() throws {
        let needed = try ELFNeeded.libraries(of: Self.acpd)
        #expect(!needed.contains { $0.hasPrefix("libswift") || $0.hasPrefix("libFoundation") || $0.hasPrefix("libdispatch") },
                "NEEDED: \(needed)")
    }
}

/// The DT_NEEDED entries of a 64-bit little-endian ELF file.
enum ELFNeeded {
    struct Malformed: Error, CustomStringConvertible {
        let description: String
    }

    /// True where the built products are ELF64 little-endian (Linux on x86-64/arm64).
    static var isSupportedHost: Bool {
        #if os(Linux) && (arch(x86_64) || arch(arm64))
        true
        #else
        false
        #endif
    }

    static func libraries(of path: String) throws -> [String] {
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? file.close() }
        func read(_ offset: UInt64, _ count: Int) throws -> [UInt8] {
            try file.seek(toOffset: offset)
            let bytes = [UInt8](try file.read(upToCount: count) ?? Data())
            guard bytes.count == count else { throw Malformed(description: "short read at \(offset)") }
            return bytes
        }
        func integer(_ bytes: [UInt8], _ at: Int, _ size: Int) -> UInt64 {
            (0..<size).reduce(UInt64(0)) { $0 | UInt64(bytes[at + $1]) << (8 * UInt64($1)) }
        }
        let header = try read(0, 64)
        guard header[0..<4].elementsEqual([0x7F, 0x45, 0x4C, 0x46]), header[4] == 2, header[5] == 1 else {
            throw Malformed(description: "\(path) is not a 64-bit little-endian ELF file")
        }
        let sectionsAt = integer(header, 0x28, 8)
        let entrySize = Int(integer(header, 0x3A, 2))
        let count = Int(integer(header, 0x3C, 2))
        let table = try read(sectionsAt, entrySize * count)
        func section(_ index: Int) -> (type: UInt64, offset: UInt64, size: UInt64, link: Int) {
            let base = index * entrySize
            return (integer(table, base + 4, 4), integer(table, base + 0x18, 8), integer(table, base + 0x20, 8),
                    Int(integer(table, base + 0x28, 4)))
        }
        guard let dynamic = (0..<count).map(section).first(where: { $0.type == 6 }) else { return [] }  // SHT_DYNAMIC
        let strings = section(dynamic.link)
        let stringBytes = try read(strings.offset, Int(strings.size))
        let entries = try read(dynamic.offset, Int(dynamic.size))
        var needed: [String] = []
        for base in stride(from: 0, to: entries.count, by: 16) {
            let tag = integer(entries, base, 8), value = Int(integer(entries, base + 8, 8))
            if tag == 0 { break }  // DT_NULL
            guard tag == 1, value < stringBytes.count else { continue }  // DT_NEEDED
            let end = stringBytes[value...].firstIndex(of: 0) ?? stringBytes.count
            needed.append(String(decoding: stringBytes[value..<end], as: UTF8.self))
        }
        return needed
    }
}
