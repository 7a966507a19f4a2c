"""`NAME.meta.json`: call metadata for recordings from phone systems whose file names carry none.

The sidecar sits next to the recording (`call-0042.wav` -> `call-0042.meta.json`;
for a two-leg recording, next to either leg or their common name `x.wav`). It is
not `NAME.truth.json`, the evaluation's ground truth. Example:

    {
      "call_id": "c-20231105-0042",
      "started_at": "2023-11-05T10:15:00+03:00",
      "direction": "inbound",
      "caller": "+7 916 123-45-67",
      "callee": "+7 495 123-45-67",
      "extension": "101",
      "seller": "Анна Петрова",
      "queue": "sales",
      "disposition": "ANSWERED",
      "ring_s": 12.5,
      "channel_roles": "client,seller"
    }

Required: call_id, started_at (ISO 8601), direction (inbound, outbound,
internal), caller, callee (the number dialled: the DID of an inbound call), and
extension or agent_id (who took the call). Optional: seller (a name, overrides
sellers.yaml), queue, disposition (as in the CDR), ring_s, channel_roles (which
channel of a stereo file is the seller, as CALLQA_CHANNEL_ROLES). Unknown keys are
errors, so a misspelt key cannot pass silently.
"""

from __future__ import annotations

import errno
import json
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.phone.cdr import Disposition
from pipeline.phone.errors import MetadataError, validate
from pipeline.phone.freepbx import Direction

SUFFIX = ".meta.json"


class Sidecar(BaseModel):
    # numbers written without quotes ("extension": 101) are still numbers as text
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)

    call_id: str = Field(min_length=1)
    started_at: datetime
    direction: Direction
    caller: str
    callee: str
    extension: str | None = None
    agent_id: str | None = None
    seller: str | None = None
    queue: str | None = None
    disposition: Disposition | None = None
    ring_s: float | None = Field(default=None, ge=0)
    channel_roles: Literal["seller,client", "client,seller"] | None = None

    @model_validator(mode="after")
    def _someone_took_the_call(self) -> Sidecar:
        if not (self.extension or self.agent_id):
            raise ValueError("give extension or agent_id: who took the call")
        return self


def sidecar_path(recording: Path) -> Path:
    return recording.with_name(recording.stem + SUFFIX)


def load_sidecar(path: Path) -> Sidecar | None:
    """The sidecar at `path`; None when there is none. Raises MetadataError when it is broken."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise MetadataError(str(path), "file", "not UTF-8 text (saved in another encoding?)") from None
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:  # a recording's name near the limit: no sidecar can have its name
            return None
        raise MetadataError(str(path), "file", f"cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MetadataError(str(path), f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None
    return validate(Sidecar, data, str(path))
