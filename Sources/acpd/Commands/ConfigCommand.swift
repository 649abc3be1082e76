import JSONKit
import ArgumentParser
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `acpd config validate|schema|example`: check, describe and show the config file (CONTRACT.md §6).
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Validate the config file, print its JSON Schema, or print a commented example.",
        subcommands: [Validate.self, Schema.self, Example.self, Docs.self]
    )

    /// `acpd config validate [--config PATH] [--json]`: exit 0 when valid, 1 otherwise.
    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the config file and print every error with its path.",
            discussion: "The file is --config PATH, else $ACPD_CONFIG, else ./acpd.yaml. Exit status 0 when valid, 1 when invalid, missing or unreadable."
        )

        @OptionGroup var config: ConfigOptions

        @Flag(name: .long, help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let report = ConfigValidationReport.run(option: config.path, environment: ProcessInfo.processInfo.environment,
                                                    currentDirectory: FileManager.default.currentDirectoryPath)
            print(json ? report.jsonText : report.humanText, terminator: "")
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }

    /// `acpd config schema`: the JSON Schema of the config file.
    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema (draft 2020-12) of the config file.",
            discussion: "Generated from the model `acpd config validate` uses; rules that span several keys are checked only by validate."
        )

        func run() { print(ConfigJSONSchema.text(), terminator: "") }
    }

    /// `acpd config example`: a commented example that validates.
    struct Example: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a commented example config.",
            discussion: "It reads \(ConfigExample.variables.map { "$" + $0 }.joined(separator: ", ")) from the environment."
        )

        func run() { print(ConfigExample.yaml, terminator: "") }
    }

    /// `acpd config docs`: regenerates docs/config.md (hidden; for maintainers).
    struct Docs: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the config reference (docs/config.md) generated from the schema.",
            shouldDisplay: false
        )

        func run() { print(ConfigDocs.markdown(), terminator: "") }
    }
}
