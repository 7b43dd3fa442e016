"""The Grad-CAM family on one base: each variant only says how to weight the feature-map channels.

A CAM explains one class of a Keras image model whose last convolutional feature map is a named layer. The model
is split there: a *trunk* (image → feature map and the explained output) and a *head* (feature map → output). The
feature map comes from one forward pass of the trunk; the gradient only runs back through the head, so the compiled
gradient step is tiny (tracing it takes a fraction of a second rather than seconds for a large backbone) and a
model's compiled forward pass can be shared between prediction and explanation. The gradients are the same as
through the whole model, since the feature map is the same. The target score is log p(class) for a softmax output,
or the raw class logit for a logit output (``on_logits=True``); either way Grad-CAM++'s closed form (which assumes
an exponential of the score) applies.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from osteo_core.i18n import _

# images (N, H, W, C) -> (feature map (N, h, w, k), explained output (N, classes))
Trunk = Callable[[Any], tuple[Any, Any]]


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


class CamBase:
    """Computes class activation maps for ``model`` at ``layer_name``; subclasses override :meth:`channel_weights`.

    Call with a batch (N, H, W, C) of model inputs and the class to explain (one int, or one per image; ``None``
    or -1 = the predicted class). Returns (maps (N, H, W) in [0, 1] at input resolution, probabilities
    (N, classes)). ``trunk`` is an already compiled trunk to share (see :func:`split_at_layer`); by default the CAM
    compiles its own.
    """

    name = "base"

    def __init__(self, model, layer_name: str, output_index: int | None = None, on_logits: bool = False,
                 trunk: Trunk | None = None):
        import tensorflow as tf

        self._tf = tf
        self._on_logits = on_logits
        trunk_model, self._head = split_at_layer(model, layer_name, output_index)
        self._trunk = trunk if trunk is not None else compiled_trunk(trunk_model)
        feature_spec = tf.TensorSpec([None, *self._head.inputs[0].shape[1:]], tf.float32)
        self._step = tf.function(self._gradients, input_signature=[feature_spec, tf.TensorSpec([None], tf.int32)])

    def _gradients(self, activations, classes):
        tf = self._tf
        with tf.GradientTape() as tape:
            tape.watch(activations)
            outputs = self._head(activations, training=False)
            # class -1 = the predicted class, chosen inside the compiled step
            predicted = tf.argmax(outputs, axis=1, output_type=tf.int32)
            classes = tf.where(classes < 0, predicted, classes)
            chosen = tf.gather(outputs, classes, axis=1, batch_dims=1)
            score = chosen if self._on_logits else tf.math.log(chosen + 1e-12)
        grads = tape.gradient(score, activations)
        weights = self.channel_weights(activations, grads)
        return tf.nn.relu(tf.reduce_sum(activations * weights[:, None, None, :], axis=-1))

    def channel_weights(self, activations, grads):
        """(N, channels) weights of the feature-map channels."""
        raise NotImplementedError

    def __call__(self, images: np.ndarray, target: int | list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        tf = self._tf
        images = tf.convert_to_tensor(np.asarray(images, dtype=np.float32))
        wanted = -1 if target is None else target
        classes = tf.constant(np.broadcast_to(np.asarray(wanted, dtype=np.int32), (images.shape[0],)))
        activations, outputs = self._trunk(images)
        cam = self._step(activations, classes)
        probabilities = tf.nn.softmax(outputs, axis=-1) if self._on_logits else outputs
        size = images.shape[1:3]
        maps = tf.image.resize(cam[..., None], size, method="bilinear")[..., 0].numpy()
        low = maps.min(axis=(1, 2), keepdims=True)
        high = maps.max(axis=(1, 2), keepdims=True)
        maps = np.where(high - low > 1e-12, (maps - low) / np.maximum(high - low, 1e-12), 0.0)
        return maps.astype(np.float32), np.asarray(probabilities)


class GradCam(CamBase):
    """Grad-CAM (Selvaraju et al. 2017): channel weight = spatial mean of the gradient."""

    name = "Grad-CAM"

    def channel_weights(self, activations, grads):
        return self._tf.reduce_mean(grads, axis=(1, 2))


class GradCamPlusPlus(CamBase):
    """Grad-CAM++ (Chattopadhay et al. 2018): positive gradients weighted by the closed-form alphas."""

    name = "Grad-CAM++"

    def channel_weights(self, activations, grads):
        tf = self._tf
        g2, g3 = grads**2, grads**3
        denominator = 2.0 * g2 + tf.reduce_sum(activations, axis=(1, 2), keepdims=True) * g3
        alphas = g2 / tf.where(tf.abs(denominator) > 1e-12, denominator, tf.ones_like(denominator))
        return tf.reduce_sum(alphas * tf.nn.relu(grads), axis=(1, 2))


CAM_METHODS = {"gradcam": GradCam, "gradcam++": GradCamPlusPlus}


def make_cam(model, layer_name: str, method: str = "gradcam", output_index: int | None = None,
             on_logits: bool = False, trunk: Trunk | None = None) -> CamBase:
    """A CAM of the given method ("gradcam" or "gradcam++") for the model output ``output_index`` (default: the
    only output), optionally sharing a compiled ``trunk``. Raises ``ValueError`` for an unknown method."""
    if method not in CAM_METHODS:
        raise ValueError(_("method must be one of {choices}. Got {value}.").format(choices=", ".join(CAM_METHODS),
                                                                                  value=repr(method)))
    return CAM_METHODS[method](model, layer_name, output_index, on_logits, trunk)
