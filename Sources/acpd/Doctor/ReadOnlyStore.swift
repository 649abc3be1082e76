import ACPControlPlane
import Bindings
import ChatCore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Opens the configured store for reading only: never creates a missing file, never migrates,
/// never writes. Works while `acpd run` holds the store (SQLite WAL readers).
enum ReadOnlyStore {
    /// Why the store could not be read.
    enum Failure: Error, Sendable, CustomStringConvertible {
        /// `<stateDir>/acpd.sqlite` does not exist.
        case missing(path: String)
        /// The file exists but was refused (not SQLite, corrupt, newer schema).
        case refused(StoreError)

        var description: String {
            switch self {
            case .missing(let path):
                "no store at \(path) (next: start `acpd run` once to create it, or check stateDir in the config)"
            case .refused(let error):
                error.description
            }
        }
    }

    /// Opens the store at `config.storePath` read-only, verifying it with `integrity`.
    static func open(_ config: ACPDConfig, integrity: ControlPlaneStore.IntegrityCheck = .quick) throws(Failure) -> ControlPlaneStore {
        let path = config.storePath
        guard FileManager.default.fileExists(atPath: path) else { throw .missing(path: path) }
        do {
            return try ControlPlaneStore(path: path, integrity: integrity, readOnly: true)
        } catch {
            throw .refused(error)
        }
    }
}
