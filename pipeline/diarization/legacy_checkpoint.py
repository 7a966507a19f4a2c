"""Read a PyTorch checkpoint in the legacy (pre-1.6, non-zip) `torch.save` format into numpy arrays.

Resemblyzer's `pretrained.pt` is such a file. Reading it needs no torch: the format is five pickles
(a magic number, the protocol version, system info, the object, the storages' keys) followed by each
storage's raw bytes, little-endian, in the order of the keys. Tensors in the object are rebuilt by
`torch._utils._rebuild_tensor_v2` from a storage, an offset, a shape and strides; here they become
numpy views of the storages once their bytes are read.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class CheckpointError(ValueError):
    """The file is not a legacy PyTorch checkpoint this reader understands."""


@dataclass
class _Storage:
    key: str
    dtype: type
    data: np.ndarray | None = None


@dataclass
class _Tensor:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        assert self.storage.data is not None
        item = self.storage.data.itemsize
        return np.lib.stride_tricks.as_strided(self.storage.data[self.offset:], self.shape,
                                               tuple(s * item for s in self.stride)).copy()


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: BinaryIO, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return lambda storage, offset, shape, stride, *_: _Tensor(storage, offset, tuple(shape), tuple(stride))
        if module == "torch" and name in _DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        raise CheckpointError(f"unexpected {module}.{name} in the checkpoint")

    def persistent_load(self, pid: Any) -> _Storage:
        kind, dtype_name, key, *_ = pid
        if kind != "storage" or dtype_name not in _DTYPES:
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        return self.storages.setdefault(key, _Storage(key, _DTYPES[dtype_name]))


def load_legacy(path: Path) -> Any:
    """The checkpoint's object, its tensors as numpy arrays (float32 stays float32)."""
    storages: dict[str, _Storage] = {}
    with path.open("rb") as f:
        try:
            magic = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, ValueError, IndexError) as exc:
            raise CheckpointError(f"{path}: not a legacy PyTorch checkpoint ({exc})") from None
        if magic != _MAGIC:
            raise CheckpointError(f"{path}: not a legacy PyTorch checkpoint (wrong magic number)")
        pickle.load(f), pickle.load(f)  # protocol version, system info
        obj = _Unpickler(f, storages).load()
        for key in pickle.load(f):
            storage = storages[key]
            count = int.from_bytes(f.read(8), "little")
            size = count * np.dtype(storage.dtype).itemsize
            raw = f.read(size)
            if len(raw) != size:
                raise CheckpointError(f"{path}: storage {key} is cut short")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    return _materialise(obj)


def _materialise(obj: Any) -> Any:
    if isinstance(obj, _Tensor):
        return obj.array()
    if isinstance(obj, dict):
        return type(obj)((k, _materialise(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj
