import Bindings
import Synchronization

/// A `Redactor` that can be replaced while it is in use (a config reload brings new secrets);
/// readers always see one whole redactor, the old or the new.
public final class RedactorBox: Sendable {
    private let redactor: Mutex<Redactor>

    /// A box holding `redactor`.
    public init(_ redactor: Redactor) {
        self.redactor = Mutex(redactor)
    }

    /// The redactor in force.
    public var current: Redactor {
        get { redactor.withLock { $0 } }
        set { redactor.withLock { $0 = newValue } }
    }
}
