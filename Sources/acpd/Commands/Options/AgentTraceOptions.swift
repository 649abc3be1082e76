import ArgumentParser

/// `--verbose` for the commands that talk to agents directly (`prompt`, `doctor`): the runtime
/// backends log the ACP traffic and the agents' stderr (`RuntimeRegistryFactory.make(verbose:)`).
struct AgentTraceOptions: ParsableArguments {
    @Flag(name: .long, help: "Log protocol traffic and agent stderr.")
    var verbose = false
}
