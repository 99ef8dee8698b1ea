import Foundation

/// Writes files so that a crash at any moment leaves either the old file or the complete new one.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, flushes it to disk (fsync), then renames it
    /// over `path` (rename is atomic within one file system).
    /// - Throws: `InputError.invalidArgument` naming `path` when the folder is not writable or a
    ///   step fails.
    public static func write(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
                throw InputError.invalidArgument(argument: path, reason: "cannot create a file in its folder")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
            guard rename(temporary, path) == 0 else {
                throw InputError.invalidArgument(argument: path, reason: "could not be replaced (\(String(cString: strerror(errno))))")
            }
        } catch let error as InputError {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw InputError.invalidArgument(argument: path, reason: "could not be written (\(error.localizedDescription))")
        }
    }
}
