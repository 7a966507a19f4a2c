"""One error type for metadata that is there but wrong, and its message format.

Missing metadata is never an error (the call is analysed without it); metadata
that is present but broken is, so the person who keeps the phone system's export
can find the file and the field from the message alone.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from checks.standard import key_path  # the standard's `stages[1].weight` style

M = TypeVar("M", bound=BaseModel)


class MetadataError(ValueError):
    """Message: `<file>: <field>: <what is wrong>`."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(f"{source}: {field}: {reason}")
        self.source = source
        self.field = field
        self.reason = reason


def validate(model: type[M], data: Any, source: str) -> M:
    """Validate parsed YAML/JSON, naming the file and every bad key path at once."""
    if not isinstance(data, dict):
        raise MetadataError(source, "(top level)", f"expected a mapping, got {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first, *rest = exc.errors()
        problems = "; ".join(f"{key_path(e['loc'])}: {e['msg']}" for e in rest)
        raise MetadataError(
            source, key_path(first["loc"]), first["msg"] + (f"; {problems}" if problems else "")
        ) from None
