"""The Grad-CAM family on one base: each variant only says how to weight the feature-map channels.

A CAM explains one class of an image model whose last convolutional feature map is a named layer. The model is
split there: a *trunk* (image → feature map and the explained output) and a *head* (feature map → output). The
feature map comes from one forward pass of the trunk; the gradient only runs back through the head, so the
gradient step is tiny and a model's forward pass can be shared between prediction and explanation. The gradients
are the same as through the whole model, since the feature map is the same. The target score is log p(class) for a
softmax output, or the raw class logit for a logit output (``on_logits=True``); either way Grad-CAM++'s closed
form (which assumes an exponential of the score) applies.

The trunk and the head gradients come either from a Keras model (:func:`make_cam`, TensorFlow) or from the app's
LiteRT export of it (:mod:`osteo_core.imaging.litert_runtime`); the channel weights and maps are plain numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from osteo_core.i18n import _

# images (N, H, W, C) -> (feature map (N, h, w, k), explained output (N, classes))
Trunk = Callable[[Any], tuple[Any, Any]]
# (feature maps (N, h, w, k), class indices (N,)) -> d score / d feature map (N, h, w, k)
HeadGradients = Callable[[np.ndarray, np.ndarray], Any]


def split_at_layer(model, layer_name: str, output_index: int | None = None) -> tuple[Any, Any]:
    """(trunk, head) Keras models of ``model`` split at ``layer_name``: the trunk maps the inputs to [feature map,
    explained output], the head maps the feature map to the explained output (``output_index`` of a multi-output
    model, default the only output). Raises ValueError when no such layer exists."""
    import keras

    features = model.get_layer(layer_name).output
    output = model.output if output_index is None else model.outputs[output_index]
    return keras.Model(model.inputs, [features, output]), keras.Model(features, output)


def compiled_trunk(trunk_model) -> Trunk:
    """The trunk's forward pass as one ``tf.function`` for any batch size (traced once)."""
    import tensorflow as tf

    spec = tf.TensorSpec([None, *trunk_model.inputs[0].shape[1:]], tf.float32)
    return tf.function(lambda images: tuple(trunk_model(images, training=False)), input_signature=[spec])


def keras_head_gradients(model, layer_name: str, output_index: int | None = None,
                         on_logits: bool = False, head: Any = None) -> HeadGradients:
    """d score / d feature map through the Keras head after ``layer_name``, as one ``tf.function`` for any batch
    size; the score is log p(class), or the class logit with ``on_logits``."""
    import tensorflow as tf

    head = head if head is not None else split_at_layer(model, layer_name, output_index)[1]
    feature_spec = tf.TensorSpec([None, *head.inputs[0].shape[1:]], tf.float32)

    @tf.function(input_signature=[feature_spec, tf.TensorSpec([None], tf.int32)])
    def gradients(features, classes):
        with tf.GradientTape() as tape:
            tape.watch(features)
            outputs = head(features, training=False)
            chosen = tf.gather(outputs, classes, axis=1, batch_dims=1)
            score = chosen if on_logits else tf.math.log(chosen + 1e-12)
        return tape.gradient(score, features)

    return gradients


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


class CamBase:
    """Computes class activation maps from a ``trunk`` and the ``gradients`` of its head; subclasses override
    :meth:`channel_weights`.

    Call with a batch (N, H, W, C) of model inputs and the class to explain (one int, or one per image; ``None``
    or -1 = the predicted class). Returns (maps (N, H, W) in [0, 1] at input resolution, probabilities
    (N, classes)).
    """

    name = "base"

    def __init__(self, trunk: Trunk, gradients: HeadGradients, on_logits: bool = False):
        self._trunk = trunk
        self._gradients = gradients
        self._on_logits = on_logits

    def channel_weights(self, activations: np.ndarray, grads: np.ndarray) -> np.ndarray:
        """(N, channels) weights of the feature-map channels."""
        raise NotImplementedError

    def __call__(self, images: np.ndarray, target: int | list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        images = np.asarray(images, dtype=np.float32)
        activations, outputs = self._trunk(images)
        activations, outputs = np.asarray(activations, dtype=np.float32), np.asarray(outputs)
        wanted = np.broadcast_to(np.asarray(-1 if target is None else target, dtype=np.int32), (len(images),))
        classes = np.where(wanted < 0, outputs.argmax(axis=1), wanted).astype(np.int32)
        grads = np.asarray(self._gradients(activations, classes), dtype=np.float32)
        weights = self.channel_weights(activations, grads)
        cams = np.maximum(np.einsum("nhwk,nk->nhw", activations, weights), 0.0)
        height, width = images.shape[1:3]
        maps = np.stack([cv2.resize(cam, (width, height), interpolation=cv2.INTER_LINEAR) for cam in cams])
        low = maps.min(axis=(1, 2), keepdims=True)
        high = maps.max(axis=(1, 2), keepdims=True)
        maps = np.where(high - low > 1e-12, (maps - low) / np.maximum(high - low, 1e-12), 0.0)
        probabilities = _softmax(outputs) if self._on_logits else outputs
        return maps.astype(np.float32), probabilities


class GradCam(CamBase):
    """Grad-CAM (Selvaraju et al. 2017): channel weight = spatial mean of the gradient."""

    name = "Grad-CAM"

    def channel_weights(self, activations, grads):
        return grads.mean(axis=(1, 2))


class GradCamPlusPlus(CamBase):
    """Grad-CAM++ (Chattopadhay et al. 2018): positive gradients weighted by the closed-form alphas."""

    name = "Grad-CAM++"

    def channel_weights(self, activations, grads):
        g2, g3 = grads**2, grads**3
        denominator = 2.0 * g2 + activations.sum(axis=(1, 2), keepdims=True) * g3
        alphas = g2 / np.where(np.abs(denominator) > 1e-12, denominator, 1.0)
        return (alphas * np.maximum(grads, 0.0)).sum(axis=(1, 2))


CAM_METHODS = {"gradcam": GradCam, "gradcam++": GradCamPlusPlus}


def cam_method(method: str) -> type[CamBase]:
    """The CAM class of ``method`` ("gradcam" or "gradcam++"). Raises ``ValueError`` for an unknown method."""
    if method not in CAM_METHODS:
        raise ValueError(_("method must be one of {choices}. Got {value}.").format(choices=", ".join(CAM_METHODS),
                                                                                  value=repr(method)))
    return CAM_METHODS[method]


def make_cam(model, layer_name: str, method: str = "gradcam", output_index: int | None = None,
             on_logits: bool = False, trunk: Trunk | None = None) -> CamBase:
    """A CAM of the given method ("gradcam" or "gradcam++") of a Keras model, for the output ``output_index``
    (default: the only output), optionally sharing a compiled ``trunk``. Raises ``ValueError`` for an unknown
    method or layer."""
    cam_class = cam_method(method)
    trunk_model, head = split_at_layer(model, layer_name, output_index)
    return cam_class(trunk if trunk is not None else compiled_trunk(trunk_model),
                     keras_head_gradients(model, layer_name, output_index, on_logits, head=head), on_logits)
