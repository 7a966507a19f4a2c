"""Records to plain JSON-able dicts and back.

One place converts, so the transcript cache, the database and the
`analyze --json` output can never drift apart.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from pipeline.records import Transcript, Utterance, Word


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return round(obj, 3)
    if isinstance(obj, datetime):
        return obj.isoformat()
    return obj


def transcript_from_dict(data: dict[str, Any]) -> Transcript:
    utterances = tuple(
        Utterance(
            speaker=u["speaker"],
            start=u["start"],
            end=u["end"],
            text=u["text"],
            words=tuple(Word(**w) for w in u.get("words", ())),
            channel=u.get("channel", 0),
            speaker_confidence=u.get("speaker_confidence"),
        )
        for u in data["utterances"]
    )
    return Transcript(
        utterances=utterances,
        duration_s=data["duration_s"],
        channels=data["channels"],
        language=data.get("language", "ru"),
        engine=data.get("engine", ""),
        model=data.get("model", ""),
        speech_regions=tuple(
            tuple((float(a), float(b)) for a, b in ch) for ch in data.get("speech_regions", ())
        ),
        channel_roles=tuple(data.get("channel_roles", ())),
        speaker_source=data.get("speaker_source", "channels"),
        speaker_note=data.get("speaker_note", ""),
    )
