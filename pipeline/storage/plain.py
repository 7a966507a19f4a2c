"""Plain Python values at the database boundary.

The checks compute with numpy, and with numpy 2 a numpy scalar's repr is
`np.float64(0.17)`: psycopg2 writes that into the SQL as it stands, and
PostgreSQL reads `np` as a schema name. Rather than trusting every record
builder to convert, the engine converts every bound parameter and every JSON
document as it leaves for the database (`pipeline.storage.db`), so no code path
can send a numpy value, whichever backend is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def _is_numpy(value: object) -> bool:
    # by module name, so that opening a database does not import numpy
    return type(value).__module__ == "numpy"


def plain(value: Any) -> Any:
    """`value` with numpy scalars and arrays, at any depth, turned into Python ones."""
    if _is_numpy(value):
        return value.tolist()  # a scalar's tolist() is its Python value; an array's, nested lists
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


def plain_parameters(parameters: Any) -> Any:
    """A statement's bound parameters (one set or an executemany list) as plain values."""
    if isinstance(parameters, Mapping):
        return {k: plain(v) for k, v in parameters.items()}
    if isinstance(parameters, Sequence) and not isinstance(parameters, (str, bytes)):
        return type(parameters)(plain_parameters(p) if isinstance(p, (Mapping, list, tuple)) else plain(p)
                                for p in parameters)
    return plain(parameters)


def dumps(document: Any) -> str:
    """JSON for JSON columns: numpy values inside details and metrics become numbers."""
    return json.dumps(document, default=_numpy_default, ensure_ascii=False)


def _numpy_default(value: object) -> Any:
    if _is_numpy(value):
        return value.tolist()  # type: ignore[attr-defined]
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
