import ACPControlPlane
import Foundation
import Synchronization
import Testing
import TestSupport

/// The Foundation-free replacements in ACPControlPlane/Support behave like the Foundation APIs
/// they replaced.
@Suite("Foundation-free helpers")
struct FoundationFreeHelpersTests {
    /// Every White_Space scalar plus look-alikes that are not whitespace (ZWSP, BOM, NEL's
    /// neighbours, a combining mark).
    private static let probes: [Unicode.Scalar] = {
        var scalars: [Unicode.Scalar] = (0x00...0x20).compactMap(Unicode.Scalar.init)
        scalars += [0x7F, 0x84, 0x85, 0x86, 0xA0, 0x1680, 0x180E, 0x2000, 0x2005, 0x200A, 0x200B, 0x2028, 0x2029,
                    0x202F, 0x205F, 0x2060, 0x3000, 0xFEFF, 0x0301, 0x41].compactMap { Unicode.Scalar(UInt32($0)) }
        return scalars
    }()

    @Test("trimmingWhitespace() == trimmingCharacters(in: .whitespacesAndNewlines), scalar by scalar")
    func whitespaceAndNewlines() {
        for scalar in Self.probes {
            let text = "\(scalar)\(scalar)x \(scalar) y\(scalar)"
            #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines), "U+\(String(scalar.value, radix: 16))")
            #expect(text[...].trimmingWhitespace() == text.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    @Test("trimmingHorizontalWhitespace() == trimmingCharacters(in: .whitespaces), scalar by scalar")
    func horizontalWhitespace() {
        for scalar in Self.probes {
            let text = "\(scalar)x\(scalar)"
            #expect(text.trimmingHorizontalWhitespace() == text.trimmingCharacters(in: .whitespaces), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test("the scalar sets equal Foundation's over all of Unicode")
    func everyScalar() {
        var differences: [String] = []
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            if scalar.isWhitespaceOrNewline != CharacterSet.whitespacesAndNewlines.contains(scalar)
                || scalar.isHorizontalWhitespace != CharacterSet.whitespaces.contains(scalar) {
                differences.append("U+" + String(value, radix: 16))
            }
        }
        #expect(differences == [])
    }

    @Test("all-whitespace and empty text trim to empty")
    func empty() {
        #expect(" \n\t\u{3000}".trimmingWhitespace() == "")
        #expect("".trimmingWhitespace() == "")
        #expect(" \t".trimmingHorizontalWhitespace() == "")
        #expect("\n".trimmingHorizontalWhitespace() == "\n")
    }

    @Test("DedicatedThread runs the body once, off the calling thread, under its name")
    func dedicatedThread() async throws {
        let caller = pthread_self()
        let ranOn = Mutex<[pthread_t]>([])
        let name = Mutex<String?>(nil)
        try await withDeadline(5, "the thread's body") {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                do {
                    try DedicatedThread.start(name: "acpd-test-thread", stackSize: 64 * 1024) {
                        ranOn.withLock { $0.append(pthread_self()) }
                        #if os(Linux)
                        name.withLock { $0 = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8) }
                        #endif
                        done.resume()
                    }
                } catch {
                    Issue.record("start failed: \(error)")
                    done.resume()
                }
            }
        }
        let threads = ranOn.withLock { $0 }
        #expect(threads.count == 1)
        #expect(threads.first.map { pthread_equal($0, caller) == 0 } == true)
        #if os(Linux)
        #expect(name.withLock { $0 } == "acpd-test-threa\n")  // Linux keeps 15 bytes of a thread name
        #endif
    }
}
