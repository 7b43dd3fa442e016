"""Read a legacy-format (pre-1.6, non-zip) PyTorch state dict with ``pickle`` and ``numpy`` only — no torch.

The legacy file is: a magic-number pickle, a protocol-version pickle, a sys-info pickle, the state-dict pickle
(tensors refer to storages through ``persistent_id``), a pickle listing the storage keys in write order, then for
each storage an 8-byte little-endian element count followed by its raw little-endian bytes.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from pathlib import Path
from typing import BinaryIO

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


class _TensorRef:
    """A tensor before its storage bytes are read: storage key, offset, shape and strides (in elements)."""

    def __init__(self, storage: tuple, offset: int, size: tuple, stride: tuple) -> None:
        self.key, self.dtype = storage
        self.offset, self.size, self.stride = int(offset), tuple(size), tuple(stride)


def _rebuild_tensor(storage, storage_offset, size, stride, *_ignored) -> _TensorRef:
    return _TensorRef(storage, storage_offset, size, stride)


class _LegacyUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in a legacy state dict")

    def persistent_load(self, pid):
        # ('storage', storage_type, root_key, location, numel, view_metadata)
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        if pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        return (str(pid[2]), pid[1].dtype)


def _read_stream(handle: BinaryIO) -> dict[str, np.ndarray]:
    magic = pickle.load(handle)
    if magic != LEGACY_MAGIC:
        raise ValueError(f"not a legacy PyTorch file: magic number {magic!r}")
    pickle.load(handle)  # protocol version
    sys_info = pickle.load(handle)
    if not sys_info.get("little_endian", True):
        raise ValueError("big-endian legacy files are not supported")
    state = _LegacyUnpickler(handle).load()
    keys = pickle.load(handle)
    dtypes = {ref.key: ref.dtype for ref in state.values() if isinstance(ref, _TensorRef)}
    storages: dict[str, np.ndarray] = {}
    for key in keys:
        numel = int.from_bytes(handle.read(8), "little")
        dtype = dtypes[str(key)]
        raw = handle.read(numel * dtype.itemsize)
        if len(raw) != numel * dtype.itemsize:
            raise ValueError(f"truncated storage {key}: expected {numel} elements")
        storages[str(key)] = np.frombuffer(raw, dtype=dtype)
    out: dict[str, np.ndarray] = OrderedDict()
    for name, ref in state.items():
        if not isinstance(ref, _TensorRef):
            continue
        flat = storages[ref.key]
        itemsize = flat.dtype.itemsize
        array = np.lib.stride_tricks.as_strided(
            flat[ref.offset:], shape=ref.size, strides=tuple(s * itemsize for s in ref.stride))
        out[name] = np.array(array, copy=True)
    return out


def read_legacy_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Return {parameter name: numpy array} from a legacy PyTorch ``.pth`` file.

    Raises ValueError if the file is not in the legacy format (e.g. the zip format of torch ≥ 1.6).
    """
    with open(path, "rb") as handle:
        if handle.read(2) == b"PK":
            raise ValueError(f"{path} is a zip-format PyTorch file; only the legacy format is supported")
        handle.seek(0)
        return _read_stream(handle)
