/// Why a setup wizard stopped: the message (with its fix) and the exit status.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    var exitCode: Int32 = 1
}
