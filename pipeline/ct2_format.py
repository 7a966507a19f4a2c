"""Read a CTranslate2 `model.bin`: a header, then named tensors, then aliases.

Layout (CTranslate2 `specs/model_spec.py`, `_serialize`, binary version 6), all
little-endian: u32 version; string spec name; u32 spec revision; u32 count;
per variable: string name, u8 rank, u32 × rank shape, u8 dtype id, u32 byte
count, the bytes; then u32 alias count and (alias, target) string pairs.
A string is a u16 length (with the NUL), the UTF-8 bytes, a NUL.
Reading it ourselves needs only numpy: the converter must not depend on
CTranslate2's Python converters, which import the frameworks they convert from.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SUPPORTED_VERSION = 6
# the order of CTranslate2's DataType enum; bfloat16 has no numpy type
_DTYPES: dict[int, str | None] = {0: "float32", 1: "int8", 2: "int16", 3: "int32", 4: "float16", 5: None}


class CT2FormatError(ValueError):
    pass


@dataclass(frozen=True)
class CT2Model:
    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]  # alias -> the variable it shares storage with

    def get(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]


class _Cursor:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.offset = data, path, 0

    def unpack(self, fmt: str, field: str) -> int:
        size = struct.calcsize(fmt)
        if self.offset + size > len(self.data):
            raise CT2FormatError(f"{self.path}: truncated at byte {self.offset} while reading {field}")
        (value,) = struct.unpack_from(fmt, self.data, self.offset)
        self.offset += size
        return value

    def string(self, field: str) -> str:
        length = self.unpack("<H", field)
        raw = self.take(length, field)
        if not raw.endswith(b"\0"):
            raise CT2FormatError(f"{self.path}: {field} at byte {self.offset - length} is not NUL-terminated")
        return raw[:-1].decode("utf-8")

    def take(self, count: int, field: str) -> bytes:
        if self.offset + count > len(self.data):
            raise CT2FormatError(f"{self.path}: truncated at byte {self.offset} while reading {field}")
        raw = self.data[self.offset:self.offset + count]
        self.offset += count
        return raw


def read_ct2_model(path: str | Path) -> CT2Model:
    path = Path(path)
    cur = _Cursor(path.read_bytes(), path)
    version = cur.unpack("<I", "binary version")
    if version != SUPPORTED_VERSION:
        raise CT2FormatError(f"{path}: binary version {version}; only version {SUPPORTED_VERSION} is supported")
    spec = cur.string("spec name")
    revision = cur.unpack("<I", "spec revision")
    variables: dict[str, np.ndarray] = {}
    for index in range(cur.unpack("<I", "variable count")):
        name = cur.string(f"name of variable {index}")
        shape = tuple(cur.unpack("<I", f"{name}: shape") for _ in range(cur.unpack("<B", f"{name}: rank")))
        type_id = cur.unpack("<B", f"{name}: dtype")
        dtype = _DTYPES.get(type_id)
        if dtype is None:
            raise CT2FormatError(f"{path}: {name}: dtype id {type_id} is not supported (float32, float16, int8-32 are)")
        size = cur.unpack("<I", f"{name}: byte count")
        array = np.frombuffer(cur.take(size, f"{name}: data"), dtype=np.dtype(dtype).newbyteorder("<"))
        if array.size != int(np.prod(shape, dtype=np.int64)):
            raise CT2FormatError(f"{path}: {name}: {size} bytes do not hold a {dtype} tensor of shape {shape}")
        variables[name] = array.reshape(shape)
    aliases = {}
    for index in range(cur.unpack("<I", "alias count")):
        alias = cur.string(f"alias {index}")
        aliases[alias] = cur.string(f"target of alias {alias}")
    if cur.offset != len(cur.data):
        raise CT2FormatError(f"{path}: {len(cur.data) - cur.offset} bytes left after the aliases")
    return CT2Model(spec, revision, variables, aliases)
