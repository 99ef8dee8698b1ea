import CPNG
import Foundation

// The only file that calls libpng (its simplified png_image API).

/// An 8-bit image with 1 (gray), 3 (RGB) or 4 (RGBA) interleaved channels, rows top to bottom.
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// `height·width·channels` bytes, row-major, channels interleaved.
    public var pixels: [UInt8]

    /// The most pixel bytes (`width·height·channels`) an image may hold: 256 MiB, e.g. 8192×8192 RGBA.
    public static let maximumPixelBytes = 256 << 20

    /// `width·height·channels`, or nil when it overflows `Int`.
    static func pixelByteCount(width: Int, height: Int, channels: Int) -> Int? {
        let (area, o1) = width.multipliedReportingOverflow(by: height)
        let (bytes, o2) = area.multipliedReportingOverflow(by: channels)
        return o1 || o2 ? nil : bytes
    }

    /// An image of the given size; throws `InputError` for a bad size or channel count.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        guard [1, 3, 4].contains(channels) else {
            throw InputError.invalidArgument(argument: "channels", reason: "must be 1, 3 or 4, got \(channels)")
        }
        guard width > 0, height > 0, pixels.count == Self.pixelByteCount(width: width, height: height, channels: channels) else {
            throw InputError.shapeMismatch(argument: "pixels", expected: [height, width, channels],
                                           actual: [pixels.count])
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// A PNG file could not be read or written; `message` is libpng's or the file system's.
public struct PNGError: Error, Equatable, Sendable, CustomStringConvertible {
    public let path: String
    public let message: String
    public var description: String { "\(path.sanitizedForMessage()): \(message.sanitizedForMessage(quoted: false))" }
}

extension PNGImage {
    private static func format(channels: Int) -> UInt32 {
        switch channels {
        case 1: UInt32(0)  // PNG_FORMAT_GRAY
        case 3: UInt32(PNG_FORMAT_FLAG_COLOR)
        default: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        }
    }

    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Reads a PNG file. Gray files stay 1-channel, colour files without alpha become RGB, anything
    /// with alpha becomes RGBA; 16-bit files are reduced to 8 bits.
    /// - Throws: `PNGError` when libpng cannot read the file; `InputError.outOfRange` naming the path
    ///   (quoted) when the header declares more than `maximumPixelBytes` of pixels (checked before
    ///   allocating).
    public init(contentsOf path: String) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw PNGError(path: path, message: Self.message(of: image))
        }
        let hasColor = image.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0
        let hasAlpha = image.format & UInt32(PNG_FORMAT_FLAG_ALPHA) != 0
        let channels = hasAlpha ? 4 : (hasColor ? 3 : 1)
        image.format = Self.format(channels: channels)
        let (width, height) = (Int(image.width), Int(image.height))
        guard let byteCount = Self.pixelByteCount(width: width, height: height, channels: channels),
              byteCount <= Self.maximumPixelBytes else {
            png_image_free(&image)
            throw InputError.outOfRange(argument: path.sanitizedForMessage(), value: Double(width) * Double(height) * Double(channels),
                                        range: "[1, \(Self.maximumPixelBytes)] bytes of pixels (\(width)×\(height)×\(channels) declared)")
        }
        var buffer = [UInt8](repeating: 0, count: byteCount)
        let ok = buffer.withUnsafeMutableBytes { raw in
            png_image_finish_read(&image, nil, raw.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            let text = Self.message(of: image)
            png_image_free(&image)
            throw PNGError(path: path, message: text)
        }
        try self.init(width: width, height: height, channels: channels, pixels: buffer)
    }

    /// Writes the image as an 8-bit PNG atomically: to a temporary file beside `path`, then renamed
    /// over it, so an interrupted write never leaves a truncated file.
    public func write(to path: String) throws {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = Self.format(channels: channels)
        let temporary = path + ".tmp-\(ProcessInfo.processInfo.processIdentifier)"
        let ok = pixels.withUnsafeBytes { raw in
            png_image_write_to_file(&image, temporary, 0, raw.baseAddress, 0, nil)
        }
        guard ok != 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PNGError(path: path, message: Self.message(of: image))
        }
        guard rename(temporary, path) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PNGError(path: path, message: String(cString: strerror(errno)))
        }
    }
}
