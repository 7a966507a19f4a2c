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
        data = self.storage.data
        if data is None:
            raise CheckpointError(f"storage {self.storage.key} has no data")
        reach = self.offset + sum((n - 1) * st for n, st in zip(self.shape, self.stride) if n > 0)
        if self.offset < 0 or any(st < 0 for st in self.stride) or (all(self.shape) and reach >= len(data)):
            raise CheckpointError(f"a tensor of storage {self.storage.key} reaches past its data")
        item = data.itemsize
        return np.lib.stride_tricks.as_strided(data[self.offset:], self.shape, tuple(st * item for st in self.stride)).copy()


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
        kind, dtype_name, key, _location, _size, view = pid
        if kind != "storage" or dtype_name not in _DTYPES or view is not None:
            raise CheckpointError(f"unexpected persistent id {pid!r}")
        return self.storages.setdefault(key, _Storage(key, _DTYPES[dtype_name]))


def load_legacy(path: Path) -> Any:
    """The checkpoint's object, its tensors as numpy arrays (float32 stays float32). Every pickle is
    read by a restricted unpickler: a tampered file can name no class but tensors' and dicts'."""
    storages: dict[str, _Storage] = {}
    try:
        with path.open("rb") as f:
            def read() -> Any:
                return _Unpickler(f, storages).load()

            if read() != _MAGIC:
                raise CheckpointError("not a legacy PyTorch checkpoint (wrong magic number)")
            read(), read()  # protocol version, system info
            obj = read()
            for key in read():
                storage = storages[key]
                count = int.from_bytes(f.read(8), "little")
                size = count * np.dtype(storage.dtype).itemsize
                raw = f.read(size)
                if len(raw) != size:
                    raise CheckpointError(f"storage {key} is cut short")
                storage.data = np.frombuffer(raw, dtype=storage.dtype)
        return _materialise(obj)
    except CheckpointError as exc:  # raised without the file's name, which is said once here
        raise CheckpointError(f"{path}: {exc}") from None
    except (pickle.UnpicklingError, EOFError, KeyError, ValueError, IndexError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a legacy PyTorch checkpoint ({type(exc).__name__}: {exc})") from None


def _materialise(obj: Any) -> Any:
    if isinstance(obj, _Tensor):
        return obj.array()
    if isinstance(obj, dict):
        return type(obj)((k, _materialise(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj
