"""EfficientNet-Lite0/1/2 in Keras 3 (functional), laid out so PyTorch ``efficientnet-liteN`` weights map one-to-one.

Lite differs from EfficientNet-B0 by: no squeeze-excite, ReLU6 instead of swish, and a fixed stem (32) and head
(1280) that do not scale. Stage table (B0): expand ratio, kernel, stride, output channels, repeats. Lite1/2 scale
it as the reference implementation does (``efficientnet_lite_builder``, fix_head_stem): channels × width rounded to
a multiple of 8, repeats ⌈depth × repeats⌉ except the first and last stage, which keep one block.
Layer names mirror the PyTorch parameter names (``_blocks.3._depthwise_conv`` → ``blocks_3_depthwise_conv``).

Input: (H, W, 3) float RGB normalised as the weights expect, ``(rgb_0_255 − 127.5) / 127.5``, with TF "same"
padding — measured in ``training/convert_efficientnet_lite.py`` (proof: docs/efficientnet_lite0_conversion.json).
"""

from __future__ import annotations

import math
from typing import Any

# (expand_ratio, kernel, stride, out_channels, repeats)
LITE0_STAGES = (
    (1, 3, 1, 16, 1),
    (6, 3, 2, 24, 2),
    (6, 5, 2, 40, 2),
    (6, 3, 2, 80, 3),
    (6, 5, 1, 112, 3),
    (6, 5, 2, 192, 4),
    (6, 3, 1, 320, 1),
)
STEM_CHANNELS = 32
HEAD_CHANNELS = 1280
BN_EPSILON = 1e-3  # the TF reference and the PyTorch port both use 1e-3
BN_MOMENTUM = 0.99
BACKBONE_OUTPUT = "head_activation"
# (width multiplier, depth multiplier, ImageNet resolution in px, dropout before the classifier)
VARIANTS = {"lite0": (1.0, 1.0, 224, 0.2), "lite1": (1.0, 1.1, 240, 0.2), "lite2": (1.1, 1.2, 260, 0.3)}


def _round_filters(channels: int, width: float, divisor: int = 8) -> int:
    scaled = channels * width
    rounded = max(divisor, int(scaled + divisor / 2) // divisor * divisor)
    return int(rounded + divisor if rounded < 0.9 * scaled else rounded)


def variant_stages(variant: str = "lite0") -> tuple[tuple[int, int, int, int, int], ...]:
    """The stage table of ``variant`` (lite0, lite1, lite2). Raises ValueError for another name."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}. Got {variant!r}.")
    width, depth, _, _ = VARIANTS[variant]
    last = len(LITE0_STAGES) - 1
    return tuple((expand, kernel, stride, _round_filters(out, width),
                  repeats if i in (0, last) else math.ceil(depth * repeats))
                 for i, (expand, kernel, stride, out, repeats) in enumerate(LITE0_STAGES))


def block_specs(stages=LITE0_STAGES) -> list[dict[str, int]]:
    """One dict per MBConv block: in/out channels, expand ratio, kernel, stride (16 blocks for Lite0, 21 for
    Lite1 and Lite2)."""
    specs, channels = [], STEM_CHANNELS
    for expand, kernel, stride, out, repeats in stages:
        for i in range(repeats):
            specs.append({"in": channels, "out": out, "expand": expand, "kernel": kernel,
                          "stride": stride if i == 0 else 1})
            channels = out
    return specs


def _bn(name: str):
    from keras import layers

    return layers.BatchNormalization(epsilon=BN_EPSILON, momentum=BN_MOMENTUM, name=name)


def _conv(x, filters: int, kernel: int, stride: int, name: str, padding: str = "symmetric"):
    from keras import layers

    if stride == 2 and padding == "symmetric":  # TF "same" with stride 2 pads only bottom/right on even sizes
        x = layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
        return layers.Conv2D(filters, kernel, stride, padding="valid", use_bias=False, name=name)(x)
    return layers.Conv2D(filters, kernel, stride, padding="same", use_bias=False, name=name)(x)


def _depthwise(x, kernel: int, stride: int, name: str, padding: str = "symmetric"):
    from keras import layers

    if stride == 2 and padding == "symmetric":
        x = layers.ZeroPadding2D(kernel // 2, name=f"{name}_pad")(x)
        return layers.DepthwiseConv2D(kernel, stride, padding="valid", use_bias=False, name=name)(x)
    return layers.DepthwiseConv2D(kernel, stride, padding="same", use_bias=False, name=name)(x)


def _mbconv(x, spec: dict[str, int], index: int, drop_rate: float, padding: str):
    from keras import layers

    prefix = f"blocks_{index}"
    inputs = x
    hidden = spec["in"] * spec["expand"]
    if spec["expand"] != 1:
        x = layers.Conv2D(hidden, 1, use_bias=False, name=f"{prefix}_expand_conv")(x)
        x = _bn(f"{prefix}_bn0")(x)
        x = layers.ReLU(6.0, name=f"{prefix}_expand_relu6")(x)
    x = _depthwise(x, spec["kernel"], spec["stride"], f"{prefix}_depthwise_conv", padding)
    x = _bn(f"{prefix}_bn1")(x)
    x = layers.ReLU(6.0, name=f"{prefix}_depthwise_relu6")(x)
    x = layers.Conv2D(spec["out"], 1, use_bias=False, name=f"{prefix}_project_conv")(x)
    x = _bn(f"{prefix}_bn2")(x)
    if spec["stride"] == 1 and spec["in"] == spec["out"]:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{prefix}_drop")(x)
        x = layers.Add(name=f"{prefix}_add")([x, inputs])
    return x


def lite_features(x, drop_connect: float = 0.0, padding: str = "tf_same", variant: str = "lite0"):
    """Apply the EfficientNet-Lite body (stem → MBConv blocks → head 1280, ReLU6) of ``variant`` (default Lite0)
    to the Keras tensor ``x``.

    Returns the feature map tensor (layer ``head_activation``). Raises ValueError for an unknown ``padding`` or
    ``variant``.
    """
    from keras import layers

    if padding not in ("symmetric", "tf_same"):
        raise ValueError(f"padding must be 'symmetric' or 'tf_same'. Got {padding!r}.")
    x = _conv(x, STEM_CHANNELS, 3, 2, "conv_stem", padding)
    x = _bn("bn0")(x)
    x = layers.ReLU(6.0, name="stem_relu6")(x)
    specs = block_specs(variant_stages(variant))
    for index, spec in enumerate(specs):
        x = _mbconv(x, spec, index, drop_connect * index / len(specs), padding)
    x = layers.Conv2D(HEAD_CHANNELS, 1, use_bias=False, name="conv_head")(x)
    x = _bn("bn1")(x)
    return layers.ReLU(6.0, name=BACKBONE_OUTPUT)(x)


def build_efficientnet_lite(inputs: Any = None, input_shape=(224, 224, 3), include_top: bool = False,
                             classes: int = 1000, drop_connect: float = 0.0, padding: str = "tf_same",
                             name: str | None = None, variant: str = "lite0"):
    """EfficientNet-Lite0 (or ``variant`` lite1/lite2) as a functional Keras model.

    ``inputs``: an existing Keras tensor to build on (else a new Input of ``input_shape``). With ``include_top``
    the output is 1000-class ImageNet logits (no softmax; dropout 0.2 before the classifier as in training);
    otherwise the (H/32, W/32, 1280) feature map after the head's ReLU6 (layer ``head_activation``).
    ``drop_connect``: stochastic-depth rate, scaled linearly from 0 to this value across the blocks.
    ``padding`` of the stride-2 convolutions: ``symmetric`` (k // 2 on every side, as ``nn.Conv2d``) or
    ``tf_same`` (Keras/TF "same"). Raises ValueError for another value or an unknown ``variant``.
    """
    import keras
    from keras import layers

    if inputs is None:
        inputs = keras.Input(input_shape, name="image")
    x = lite_features(inputs, drop_connect, padding, variant)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(VARIANTS[variant][3], name="top_dropout")(x)
        x = layers.Dense(classes, name="fc")(x)
    return keras.Model(inputs, x, name=name or f"efficientnet_{variant}")
