"""The legacy PyTorch reader (pickle + numpy, no torch) on files written here."""

import numpy as np
import pytest

from tests.training.conftest import write_legacy_state_dict, write_state_dict
from training.torch_legacy import read_legacy_state_dict


def test_read_legacy_state_dict_returns_names_shapes_and_values(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    arrays = {"conv.weight": rng.normal(size=(4, 3, 3, 3)).astype("float32"),
              "bn.running_var": rng.random(4).astype("float32"),
              "bn.num_batches_tracked": np.array(7, dtype=np.int64)}
    write_state_dict(tmp_path / "w.pth", arrays, monkeypatch)
    state = read_legacy_state_dict(tmp_path / "w.pth")
    assert list(state) == list(arrays)
    for name, array in arrays.items():
        assert state[name].dtype == array.dtype
        np.testing.assert_array_equal(state[name], array)


def test_read_legacy_state_dict_honours_offset_and_strides(tmp_path, monkeypatch):
    storage = np.arange(12, dtype=np.float32)
    # a transposed (3, 2) view starting at element 2 of a shared storage, plus the whole storage as (3, 4)
    tensors = {"view": ("s", 2, (3, 2), (1, 3)), "whole": ("s", 0, (3, 4), (4, 1))}
    write_legacy_state_dict(tmp_path / "w.pth", tensors, {"s": storage}, monkeypatch)
    state = read_legacy_state_dict(tmp_path / "w.pth")
    np.testing.assert_array_equal(state["view"], np.array([[2, 5], [3, 6], [4, 7]], dtype=np.float32))
    np.testing.assert_array_equal(state["whole"], storage.reshape(3, 4))


@pytest.mark.parametrize("content, match", [(b"PK\x03\x04rest", "zip-format"),
                                            (b"\x80\x02K\x05.", "not a legacy PyTorch file")])
def test_read_legacy_state_dict_rejects_other_files(tmp_path, content, match):
    path = tmp_path / "w.pth"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=match):
        read_legacy_state_dict(path)
