import Foundation
import Tensor

/// A file that cannot be taken as input. The description is one printable line naming the path.
public enum InputFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file cannot be opened or read, for `reason` (the system's words, e.g. "No such file or
    /// directory", or "is a directory").
    case unreadable(path: String, reason: String)
    /// The file holds more than `limit` bytes; `size` when it was known before reading (a regular
    /// file), nil when reading a stream reached the limit.
    case tooLarge(path: String, size: Int?, limit: Int)

    /// What is wrong, without the path.
    public var reason: String {
        switch self {
        case .unreadable(_, let reason):
            reason
        case .tooLarge(_, let size, let limit):
            "\(size.map { "\($0) bytes, " } ?? "")more than the \(limit) bytes (\(Double(limit) / 1_048_576) MiB) rlref reads from one input"
        }
    }

    public var description: String {
        switch self {
        case .unreadable(let path, _), .tooLarge(let path, _, _): "\(path.sanitizedForMessage()): \(reason)"
        }
    }
}

/// Reading input files whole into one buffer, bounded by `sizeLimit`.
public enum InputFile {
    /// The input size RLRef is designed for: 64 MiB per file (golden files are a few kilobytes).
    /// Parsing holds the bytes and the parsed document (about 24 bytes per number or string), so
    /// `rlref eval` peaks at about 20 times the file size (README, "Input limits").
    public static let sizeLimit = 64 << 20

    /// The bytes of the file at `path`. A regular file larger than `limit` is refused before it is
    /// read; FIFOs and character devices (`/dev/stdin`, a shell's process substitution) are read in
    /// chunks until their end, refused as soon as they pass `limit`.
    /// - Throws: `InputFileError.unreadable` (missing, a directory, no permission...) or `.tooLarge`.
    public static func bytes(atPath path: String, limit: Int = sizeLimit) throws -> [UInt8] {
        guard !path.isEmpty, !path.contains("\0") else {
            throw InputFileError.unreadable(path: path, reason: "not a usable path")
        }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputFileError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw InputFileError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var bytes: [UInt8] = []
        switch status.st_mode & S_IFMT {
        case S_IFDIR:
            throw InputFileError.unreadable(path: path, reason: "is a directory")
        case S_IFREG:
            guard status.st_size <= limit else {
                throw InputFileError.tooLarge(path: path, size: Int(status.st_size), limit: limit)
            }
            bytes.reserveCapacity(Int(status.st_size))
        default:
            break
        }
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                guard bytes.count + chunk.count <= limit else {
                    throw InputFileError.tooLarge(path: path, size: nil, limit: limit)
                }
                bytes.append(contentsOf: chunk)
            }
        } catch let error as InputFileError {
            throw error
        } catch {
            throw InputFileError.unreadable(path: path, reason: "read failed (\(error.localizedDescription.sanitizedForMessage(quoted: false)))")
        }
        return bytes
    }
}

extension JSONValue {
    /// Parses the JSON file at `path`, read into one buffer by `InputFile.bytes(atPath:)`.
    /// - Throws: `InputFileError`, or `JSONSyntaxError` for malformed text.
    public init(contentsOf path: String) throws {
        try self.init(parsing: InputFile.bytes(atPath: path))
    }
}
