import Tensor

/// Images to the vision tower's `pixel_values` (Specs/Model.md Model-17): 8-bit RGB read with
/// libpng, each value v ↦ (v/255 − mean_c)/std_c with CLIP's mean and std, laid out [C, H, W] — what
/// transformers' `CLIPImageProcessor` gives for an image already at the model's size
/// (`do_resize=False, do_center_crop=False`). No resizing: the tasks render at the model's size.
public enum ImagePreprocessing {
    /// CLIP's per-channel mean (R, G, B).
    public static let mean: [Double] = [0.48145466, 0.4578275, 0.40821073]
    /// CLIP's per-channel standard deviation (R, G, B).
    public static let std: [Double] = [0.26862954, 0.26130258, 0.27577711]

    /// The normalised [3, H, W] tensor of an image. Gray images are repeated over the three channels;
    /// an alpha channel is dropped.
    /// - Throws: `shapeMismatch` when the image is not `size`×`size` (the vision tower's `image_size`).
    public static func pixelValues<T: Scalar>(_ image: PNGImage, size: Int, as: T.Type = T.self) throws -> Tensor<T> {
        guard image.width == size, image.height == size else {
            throw InputError.shapeMismatch(argument: "image", expected: [size, size], actual: [image.height, image.width])
        }
        var out = Tensor<T>(shape: [3, size, size])
        let color = image.channels >= 3
        for y in 0..<size {
            for x in 0..<size {
                let base = (y * size + x) * image.channels
                for c in 0..<3 {
                    let v = Double(image.pixels[base + (color ? c : 0)]) / 255
                    out.elements[(c * size + y) * size + x] = T((v - mean[c]) / std[c])
                }
            }
        }
        return out
    }

    /// A batch [I, 3, size, size] of images read from PNG files.
    /// - Throws: the PNG reader's errors (naming the path), then `shapeMismatch` for an image of another size.
    public static func pixelValues<T: Scalar>(contentsOf paths: [String], size: Int, as: T.Type = T.self) throws -> Tensor<T> {
        var elements: [T] = []
        elements.reserveCapacity(paths.count * 3 * size * size)
        for path in paths { elements += try pixelValues(PNGImage(contentsOf: path), size: size, as: T.self).elements }
        return try Tensor(shape: [paths.count, 3, size, size], elements: elements, argument: "pixel_values")
    }
}
