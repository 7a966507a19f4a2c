"""All the detectors over a transcript: personal data spans with their seconds.

Each line is read with the line before it (the seller's «продиктуйте номер карты» says what the
client's digits are). Where two detectors find overlapping text, the more specific one names the
span (a number, an e-mail, an address, then a name, then a place) and the span grows to cover both,
so no character either one found is left in clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from checks.standard import Standard
from pipeline.privacy.addresses import find_address_spans
from pipeline.privacy.emails import find_email_spans
from pipeline.privacy.names import find_name_spans, ignore_key, ner_spans
from pipeline.privacy.numbers import find_number_spans
from pipeline.privacy.spans import PersonalSpan, TextSpan
from pipeline.privacy.timing import span_seconds
from pipeline.records import Transcript

_PRIORITY = ("email", "card", "passport", "snils", "inn", "phone", "address", "name", "place")


def ignore_terms(company: str, aliases: Sequence[str] = (), products: Sequence[str] = (),
                 sellers: Sequence[str] = ()) -> tuple[str, ...]:
    """What is never personal data in a company's calls: its name, its products, its sellers.

    `checks.standard.Standard.company` has each of these; the caller adds the call's seller."""
    return tuple(t for t in (company, *aliases, *products, *sellers) if t.strip())


def standard_ignore_terms(standard: Standard, sellers: Sequence[str] = ()) -> tuple[str, ...]:
    """The ignore terms a standard gives: the company profile and the text facts of its knowledge
    base (the office's address is the company's, not a client's)."""
    c = standard.company
    facts = [f.value for f in standard.knowledge_base if f.unit == "text" and isinstance(f.value, str)]
    return ignore_terms(c.name, c.aliases, [*c.products, *facts], [*c.sellers, *sellers])


def _resolve(spans: list[TextSpan]) -> list[TextSpan]:
    kept: list[TextSpan] = []
    for span in sorted(spans, key=lambda s: (_PRIORITY.index(s.type), s.char_start)):
        hit = next((i for i, k in enumerate(kept) if span.char_start < k.char_end and k.char_start < span.char_end), None)
        if hit is None:
            kept.append(span)
            continue
        k = kept[hit]
        kept[hit] = TextSpan(k.type, min(k.char_start, span.char_start), max(k.char_end, span.char_end), k.detector)
    return sorted(kept, key=lambda s: s.char_start)


def detect_lines(lines: Sequence[tuple[str, str, str]], ignore: Iterable[str] = ()) -> list[list[TextSpan]]:
    """Personal data in each (text, speaker, line before) of a call, the NER run once for all."""
    ignore = tuple(ignore)
    keys = {ignore_key(t) for t in ignore}
    ner = ner_spans([text for text, _, _ in lines])
    found: list[list[TextSpan]] = []
    for (text, speaker, before), named in zip(lines, ner):
        spans = find_number_spans(text, before, speaker) + find_email_spans(text) + find_address_spans(text, ignore, before)
        spans += find_name_spans(text, speaker, keys, named, before)
        found.append(_resolve(spans))
    return found


def detect_line(text: str, speaker: str, before: str = "", ignore: Iterable[str] = ()) -> list[TextSpan]:
    """Personal data in one line of a call; `before` is the line before it."""
    return detect_lines([(text, speaker, before)], ignore)[0]


def detect_personal_data(transcript: Transcript, ignore: Iterable[str] = ()) -> list[PersonalSpan]:
    """Every personal data span of a call, in call order, each with its seconds."""
    utts = transcript.utterances
    lines = [(u.text, u.speaker, utts[i - 1].text if i else "") for i, u in enumerate(utts)]
    found: list[PersonalSpan] = []
    for idx, (utt, spans) in enumerate(zip(utts, detect_lines(lines, ignore))):
        for span in spans:
            start, end = span_seconds(utt, span.char_start, span.char_end)
            found.append(PersonalSpan(span.type, idx, span.char_start, span.char_end, start, end, span.detector))
    return found
