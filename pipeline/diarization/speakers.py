"""How a call's speakers were found, as the analysis stores it (`attributes["speakers"]`).

Kept in the analysis's attributes, a JSON document every store already has, so the
review app and `callqa analyze --json` can show it without a new column: the source
(`channels` or `diarization`), what diarization found, and each line's speaker with
how sure it is.
"""

from __future__ import annotations

from pipeline.records import Transcript


def speakers_attribute(transcript: Transcript) -> dict[str, object] | None:
    """None for a stereo call: its channels are its speakers, and nothing more is to be said."""
    if transcript.speaker_source != "diarization":
        return None
    return {
        "source": "diarization",
        "note": transcript.speaker_note,
        "voices": 2 if "seller" in transcript.channel_roles else int(bool(transcript.utterances)),
        "turns": [{"start": u.start, "end": u.end, "speaker": u.speaker, "confidence": u.speaker_confidence}
                  for u in transcript.utterances],
    }
