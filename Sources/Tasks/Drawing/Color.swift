/// An 8-bit RGB colour.
public struct Color: Equatable, Hashable, Sendable {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    public static let black = Color(red: 0, green: 0, blue: 0)
    public static let white = Color(red: 255, green: 255, blue: 255)
    public static let gray = Color(red: 128, green: 128, blue: 128)
    public static let lightGray = Color(red: 210, green: 210, blue: 210)
    public static let red = Color(red: 220, green: 30, blue: 30)
    public static let green = Color(red: 30, green: 170, blue: 50)
    public static let blue = Color(red: 30, green: 70, blue: 220)
    public static let yellow = Color(red: 240, green: 210, blue: 20)
    public static let purple = Color(red: 140, green: 40, blue: 180)
    public static let orange = Color(red: 245, green: 130, blue: 20)
}
