"""Golden cases for Specs/Model.md Model-17 (image preprocessing) from transformers' own image transforms — the
steps CLIPImageProcessor applies to an image already at the model's size: `image_transforms.rescale` by 1/255,
`image_transforms.normalize` with `utils.constants.OPENAI_CLIP_MEAN` / `OPENAI_CLIP_STD`, channels first
(`to_channel_dimension_format`) — on small seeded 8-bit images given as [H, W, C] integer arrays. (The
CLIPImageProcessor class itself needs torchvision in transformers 5.)
"""
import numpy as np
from transformers.image_transforms import normalize, rescale, to_channel_dimension_format
from transformers.image_utils import ChannelDimension
from transformers.utils.constants import OPENAI_CLIP_MEAN, OPENAI_CLIP_STD

import golden_io as gio

PROGRAM = "GoldenData/_generators/gen_ModelPreprocessing.py"


def main():
    rng = np.random.default_rng(17)

    def processor(rgb):
        x = rescale(rgb.astype(np.float64), 1 / 255, dtype=np.float64, input_data_format=ChannelDimension.LAST)
        x = normalize(x, OPENAI_CLIP_MEAN, OPENAI_CLIP_STD, input_data_format=ChannelDimension.LAST)
        return to_channel_dimension_format(x, ChannelDimension.FIRST, input_channel_dim=ChannelDimension.LAST)

    cases = []
    for cid, channels, comment in [("rgb-8x8", 3, "an RGB image at the model's size"),
                                   ("rgba-8x8", 4, "RGBA: the alpha channel is dropped")]:
        image = rng.integers(0, 256, size=(8, 8, channels), dtype=np.uint8)
        rgb = image[:, :, :3]
        pixels = processor(rgb)
        cases.append(gio.case(cid, "Model-17", comment,
                              {"layer": "image_preprocessing", "image": image.tolist(), "size": 8},
                              {"pixel_values": pixels.astype(np.float64)}))
    gray = rng.integers(0, 256, size=(4, 4, 1), dtype=np.uint8)
    pixels = processor(np.repeat(gray, 3, axis=2))
    cases.append(gio.case("gray-4x4", "Model-17", "a gray image is repeated over the three channels",
                          {"layer": "image_preprocessing", "image": gray.tolist(), "size": 4},
                          {"pixel_values": pixels.astype(np.float64)}))
    cases.append(gio.case("wrong-size", "Model-17", "a 4x4 image for an 8x8 vision tower",
                          {"layer": "image_preprocessing", "image": gray.tolist(), "size": 8}, {"error": "shape_mismatch"},
                          flags=["error"]))
    gio.write_file("Model", "preprocessing", "Image preprocessing with transformers' own rescale / normalize and CLIP's mean and std",
                   gio.generator_source(PROGRAM), cases, inline_arrays=True)


if __name__ == "__main__":
    main()
