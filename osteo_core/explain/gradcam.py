"""The Grad-CAM family on one base: each variant only says how to weight the feature-map channels.

A CAM explains one class of a Keras image model whose last convolutional feature map is a named layer. The
gradient step is compiled once with ``tf.function``. The target score is log p(class) for a softmax output, or the
raw class logit for a logit output (``on_logits=True``); either way Grad-CAM++'s closed form (which assumes an
exponential of the score) applies.
"""

from __future__ import annotations

import numpy as np

from osteo_core.i18n import _


class CamBase:
    """Computes class activation maps for ``model`` at ``layer_name``; subclasses override :meth:`channel_weights`.

    Call with a batch (N, H, W, C) of model inputs and the class to explain (one int, or one per image; ``None``
    or -1 = the predicted class, found in the same compiled pass). Returns (maps (N, H, W) in [0, 1] at input
    resolution, probabilities (N, classes)).
    """

    name = "base"

    def __init__(self, model, layer_name: str, output_index: int | None = None, on_logits: bool = False):
        import keras
        import tensorflow as tf

        self._tf = tf
        self._on_logits = on_logits
        output = model.output if output_index is None else model.outputs[output_index]
        self._grad_model = keras.Model(model.inputs, [model.get_layer(layer_name).output, output])
        self._step = tf.function(self._gradients, reduce_retracing=True)

    def _gradients(self, images, classes):
        tf = self._tf
        with tf.GradientTape() as tape:
            activations, probabilities = self._grad_model(images, training=False)
            # class -1 = the predicted class, chosen inside the compiled step (one forward pass, never eager)
            predicted = tf.argmax(probabilities, axis=1, output_type=tf.int32)
            classes = tf.where(classes < 0, predicted, classes)
            chosen = tf.gather(probabilities, classes, axis=1, batch_dims=1)
            score = chosen if self._on_logits else tf.math.log(chosen + 1e-12)
        grads = tape.gradient(score, activations)
        weights = self.channel_weights(activations, grads)
        cam = tf.nn.relu(tf.reduce_sum(activations * weights[:, None, None, :], axis=-1))
        return cam, probabilities

    def channel_weights(self, activations, grads):
        """(N, channels) weights of the feature-map channels."""
        raise NotImplementedError

    def __call__(self, images: np.ndarray, target: int | list[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        tf = self._tf
        images = tf.convert_to_tensor(np.asarray(images, dtype=np.float32))
        wanted = -1 if target is None else target
        classes = tf.constant(np.broadcast_to(np.asarray(wanted, dtype=np.int32), (images.shape[0],)))
        cam, outputs = self._step(images, classes)
        probabilities = tf.nn.softmax(outputs, axis=-1) if self._on_logits else outputs
        size = images.shape[1:3]
        maps = tf.image.resize(cam[..., None], size, method="bilinear")[..., 0].numpy()
        low = maps.min(axis=(1, 2), keepdims=True)
        high = maps.max(axis=(1, 2), keepdims=True)
        maps = np.where(high - low > 1e-12, (maps - low) / np.maximum(high - low, 1e-12), 0.0)
        return maps.astype(np.float32), probabilities.numpy()


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
             on_logits: bool = False) -> CamBase:
    """A CAM of the given method ("gradcam" or "gradcam++") for the model output ``output_index`` (default: the
    only output). Raises ``ValueError`` for an unknown method."""
    if method not in CAM_METHODS:
        raise ValueError(_("method must be one of {choices}. Got {value}.").format(choices=", ".join(CAM_METHODS),
                                                                                  value=repr(method)))
    return CAM_METHODS[method](model, layer_name, output_index, on_logits)
