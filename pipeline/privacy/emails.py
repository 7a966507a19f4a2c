"""E-mail addresses, as Whisper writes them («ivanov@mail.ru») or as it hears them spelt out
(«ivanov собака mail точка ru»)."""

from __future__ import annotations

import re

from pipeline.privacy.spans import TextSpan

DETECTOR = "email@1"

_LOCAL = r"[a-z0-9][a-z0-9._%+-]*"
_DOMAIN = r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}"
_WRITTEN = re.compile(rf"(?<![\w.]){_LOCAL}@{_DOMAIN}", re.IGNORECASE)
_SPOKEN = re.compile(
    rf"(?<![\w.]){_LOCAL}\s+(?:собака|собачка|эт)\s+[a-z0-9-]+(?:\s*(?:точка|\.)\s*[a-z]{{2,}})+",
    re.IGNORECASE,
)


def find_email_spans(text: str) -> list[TextSpan]:
    return [
        TextSpan("email", m.start(), m.end(), DETECTOR)
        for pattern in (_WRITTEN, _SPOKEN) for m in pattern.finditer(text)
    ]
