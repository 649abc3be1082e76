import ACPControlPlane
import ChatCore
import RuntimeBackends

/// The daemon's `OperatorShell` (`/acp run`): RuntimeBackends' `ShellCommand`, which spawns in a
/// process group and kills the group at the timeout.
struct ProcessOperatorShell: OperatorShell {
    func run(_ request: ShellRequest) async throws(ACPError) -> ShellOutcome {
        let result = try await ShellCommand.run(request.command, workingDirectory: request.workingDirectory,
                                                environment: request.environment, timeout: request.timeout,
                                                maxOutputBytes: request.maxOutputBytes)
        let ending: ShellOutcome.Ending
        if result.timedOut {
            ending = .timedOut
        } else {
            switch result.exit {
            case .exited(let code): ending = .exited(code)
            case .signaled(let signal): ending = .signaled(signal)
            }
        }
        return ShellOutcome(ending: ending, output: result.output, droppedBytes: result.droppedBytes, duration: result.duration)
    }
}
