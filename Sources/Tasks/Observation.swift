/// What a vision-language policy sees at one step: a rendered image and the text prompt that goes
/// with it (without the chat template or the image placeholder, which the trainer adds).
public struct Observation: Equatable, Sendable {
    public var image: Canvas
    public var prompt: String

    public init(image: Canvas, prompt: String) {
        self.image = image
        self.prompt = prompt
    }
}
