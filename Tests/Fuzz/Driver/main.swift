// `acpd-fuzz <target> [libFuzzer options] [corpus folders]`: one fuzz target under libFuzzer.
// Exists only in a build with ACPD_LIBFUZZER=1 (Package.swift; scripts/fuzz builds it with
// coverage instrumentation, AddressSanitizer and libFuzzer's runtime without its `main`).
// A broken invariant traps, so libFuzzer reports it as a crash and saves the input.
#if ACPD_LIBFUZZER
#if canImport(Glibc)
import Glibc
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The target libFuzzer drives (set once, before the driver starts).
nonisolated(unsafe) var selected: FuzzTarget?

// The target: the first argument, passed on to libFuzzer's own child processes (`-jobs`) through
// the environment, since they get libFuzzer's arguments only.
var driverArguments = CommandLine.arguments
if driverArguments.count >= 2, FuzzTarget.named(driverArguments[1]) != nil {
    setenv("ACPD_FUZZ_TARGET", driverArguments[1], 1)
    driverArguments.remove(at: 1)
}
guard let name = getenv("ACPD_FUZZ_TARGET").map({ String(cString: $0) }), let target = FuzzTarget.named(name) else {
    print("usage: acpd-fuzz <target> [libFuzzer options] [corpus folders]\ntargets: \(FuzzTarget.all.map(\.name).joined(separator: ", "))")
    exit(2)
}
selected = target
// Warm-up: the code under test builds lazy globals (the config schema, tables) on first use, once
// per process; the target runs once on the empty input and on the corpus before libFuzzer counts,
// so that first use is not taken for the input's work. (LeakSanitizer still reports those globals:
// it does not see Swift's references to them; scripts/fuzz runs without it.)
try? target.run([])
for folder in driverArguments.dropFirst() where !folder.hasPrefix("-") {
    guard let directory = opendir(folder) else { continue }
    while let entry = readdir(directory) {
        // Read up to the name's NUL only: a dirent may end before the 256 bytes of `d_name`.
        let name = withUnsafePointer(to: &entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        guard name != ".", name != "..", let file = fopen(folder + "/" + name, "rb") else { continue }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[..<count]
        }
        fclose(file)
        try? target.run(bytes)
    }
    closedir(directory)
}
var pointers: [UnsafeMutablePointer<CChar>?] = driverArguments.map { strdup($0) } + [nil]
var count = Int32(driverArguments.count)
let status = pointers.withUnsafeMutableBufferPointer { buffer -> Int32 in
    var base = buffer.baseAddress
    return LLVMFuzzerRunDriver(&count, &base) { data, size in
        let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
        do {
            try selected?.run(bytes)
        } catch {
            fatalError("fuzz target \(selected?.name ?? "?"): \(error)")
        }
        return 0
    }
}
exit(status)
#endif
