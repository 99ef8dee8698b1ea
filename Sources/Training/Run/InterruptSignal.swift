import Foundation
import Synchronization

/// Ctrl-C during training: the first SIGINT sets a flag the training loop checks after each step (it
/// finishes the step, writes a checkpoint and exits cleanly); a second SIGINT ends the process at once.
public enum InterruptSignal {
    private static let flag = Atomic<Bool>(false)

    /// Installs the handler. Call once before the loop.
    public static func install() {
        flag.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in
            InterruptSignal.flag.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
    }

    /// Whether Ctrl-C was pressed since `install`.
    public static var isRequested: Bool { flag.load(ordering: .relaxed) }

    /// Restores the default SIGINT behaviour.
    public static func uninstall() { signal(SIGINT, SIG_DFL) }
}
