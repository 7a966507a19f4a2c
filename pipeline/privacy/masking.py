"""Masking by role: pure functions from clear text and spans to what a role may read.

`qa_lead` and `admin` read calls in clear; `coach` and `seller` read «[телефон]», «[имя]»,
«[адрес]»… in the transcript, the evidence quotes and the analysis JSON. A seller reading their own
call keeps their own name (the seller of the call, passed in): it is theirs, not the client's.

Evidence quotes and JSON strings are not tied to character offsets, so they are masked by the words
the spans cover: each span's text, as written and in the number reader's lower-case form, is replaced
wherever it occurs as whole words (a piece the sentence model masked, by its runs of said words too). What the phone system wrote (the client's number in a file name, in a finding's
details) is no span: a Russian number as the phone system writes it is masked there (`mask_phone_numbers`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from pipeline.privacy.dialogue import lead_in
from pipeline.privacy.morph import in_dictionary, lemmas, readings
from pipeline.privacy.sentence_model import DETECTOR as SENTENCE_DETECTOR
from pipeline.privacy.spans import LABELS, PersonalSpan
from pipeline.privacy.timing import word_offsets
from pipeline.privacy.tokens import runs_between, tokenize
from pipeline.records import CallAnalysis, Finding, StageHit, Transcript, Utterance, Word

CLEAR_ROLES: frozenset[str] = frozenset({"qa_lead", "admin"})
MASKED_ROLES: frozenset[str] = frozenset({"coach", "seller"})
# a phone number as the phone system writes it: «89161112233», «+79035556677», «9161112233» (file
# names, CDR fields); not the PBX's unique id «1793604615.11» nor a date «20261102»
PBX_PHONE = re.compile(r"(?<!\d)(?:\+?[78]\d{10}|9\d{9})(?!\d)")


def spans_to_mask(spans: Iterable[PersonalSpan], transcript: Transcript, role: str,
                  own_name: str | None = None) -> list[PersonalSpan]:
    """The spans this role must not read; raises ValueError for a role callqa does not know."""
    if role in CLEAR_ROLES:
        return []
    if role not in MASKED_ROLES:
        raise ValueError(f"masking: unknown role {role!r} (one of {', '.join(sorted(CLEAR_ROLES | MASKED_ROLES))})")
    own = set(lemmas(own_name)) if role == "seller" and own_name else set()
    return [s for s in spans if not (s.type == "name" and own and set(lemmas(span_text(transcript, s))) <= own)]


def span_text(transcript: Transcript, span: PersonalSpan) -> str:
    return transcript.utterances[span.utterance].text[span.char_start:span.char_end]


def _mask_utterance(utt: Utterance, spans: Sequence[PersonalSpan]) -> Utterance:
    text = utt.text
    for s in sorted(spans, key=lambda s: s.char_start, reverse=True):
        text = text[:s.char_start] + LABELS[s.type] + text[s.char_end:]
    # a word inside a span becomes the span's label, once: the timestamps stay for the waveform
    words: list[Word] = []
    last_label: PersonalSpan | None = None
    for w, at in zip(utt.words, word_offsets(utt)):
        if at is not None:
            inside = next((s for s in spans if at[0] < s.char_end and s.char_start < at[1]), None)
        else:  # a word not found in the text: by its seconds
            inside = next((s for s in spans if s.start < w.end and w.start < s.end), None)
        if inside is None:
            words.append(w)
        elif inside is not last_label:
            words.append(replace(w, text=LABELS[inside.type]))
        else:
            words[-1] = replace(words[-1], end=w.end)
        last_label = inside
    return replace(utt, text=text, words=tuple(words))


def coalesced(text: str, spans: Sequence[PersonalSpan]) -> list[PersonalSpan]:
    """An utterance's spans with neighbours of one type that only punctuation parts joined into
    one: the reader sees one label for what the rules and the sentence model masked side by side."""
    out: list[PersonalSpan] = []
    for s in sorted(spans, key=lambda s: s.char_start):
        last = out[-1] if out else None
        if last is not None and last.type == s.type and not re.search(r"\w", text[last.char_end:s.char_start]):
            out[-1] = replace(last, char_end=max(last.char_end, s.char_end), end=max(last.end, s.end))
        else:
            out.append(s)
    return out


def _by_utterance(transcript: Transcript, spans: Sequence[PersonalSpan]) -> dict[int, list[PersonalSpan]]:
    """Each utterance's spans as a reader meets them (`coalesced`)."""
    by_utt: dict[int, list[PersonalSpan]] = {}
    for s in spans:
        by_utt.setdefault(s.utterance, []).append(s)
    return {i: coalesced(transcript.utterances[i].text, by_utt[i]) for i in sorted(by_utt) if i < len(transcript.utterances)}


def as_read(transcript: Transcript, spans: Sequence[PersonalSpan]) -> list[PersonalSpan]:
    """The spans as a reader meets them, in call order."""
    return [s for found in _by_utterance(transcript, spans).values() for s in found]


def mask_transcript(transcript: Transcript, spans: Sequence[PersonalSpan]) -> Transcript:
    """A copy of the transcript with each span's characters (and words) replaced by its label."""
    by_utt = _by_utterance(transcript, spans)
    utterances = tuple(
        _mask_utterance(u, by_utt[i]) if i in by_utt else u for i, u in enumerate(transcript.utterances)
    )
    return replace(transcript, utterances=utterances)


def _said_runs(text: str) -> list[str]:
    """The runs of a span's words that are no lead-in («Евгения Рябова» of «я Евгения Рябова»,
    «слезовой» of «Ага, слезовой, значит»): a quote may hold one without the rest."""
    return [text[run[0].start:run[-1].end] for run in runs_between(tokenize(text), lead_in)]


def _telling(text: str) -> bool:
    """A piece worth masking wherever a quote has it: four letters or more, with a word that is no
    lead-in and is a digit, no dictionary's or a name. An ordinary word («обеда», «два») would mask every quote
    that says it."""
    return len(text) >= 4 and any(t.is_digits or not in_dictionary(t.text) or readings(t.text)
                                  for t in tokenize(text) if not lead_in(t))


def _forms(clear: str, detector: str) -> set[str]:
    """What a quote is searched for to mask a span: its text (a rule's, or a piece the sentence
    model masked that tells something) and its runs of words that are no lead-in that tell
    something; each as written, in the number reader's lower case and as bare digits."""
    said = {run for run in _said_runs(clear) if _telling(run)}
    whole = {clear} if detector != SENTENCE_DETECTOR or _telling(clear) else set()
    return {f for c in whole | said for f in (c, c.lower().replace("ё", "е"), re.sub(r"\D", "", c))}


def _whole_words(form: str) -> re.Pattern[str]:
    """The form where it stands as whole words («он» not inside «телефон»); a form that starts or
    ends with no word character («+7 916…») needs no boundary there."""
    before = r"(?<!\w)" if re.match(r"\w", form) else ""
    after = r"(?!\w)" if re.search(r"\w$", form) else ""
    return re.compile(before + re.escape(form) + after, re.IGNORECASE)


def _replacements(transcript: Transcript, spans: Sequence[PersonalSpan]) -> list[tuple[re.Pattern[str], str]]:
    pairs: dict[str, str] = {}
    for s in spans:
        for form in _forms(span_text(transcript, s).strip(" ,.;:!?…-"), s.detector):
            if len(form) >= 2 and not (form.isdigit() and len(form) < 5):
                pairs.setdefault(form, LABELS[s.type])
    # longest first, so «Ольга Петрова» goes before «Ольга»
    return [(_whole_words(form), label) for form, label in sorted(pairs.items(), key=lambda p: -len(p[0]))]


def mask_text(text: str, transcript: Transcript, spans: Sequence[PersonalSpan]) -> str:
    """An evidence quote or any other text from the call, with the spans' words replaced."""
    for pattern, label in _replacements(transcript, spans):
        text = pattern.sub(label, text)
    return text


def text_masker(transcript: Transcript, spans: Sequence[PersonalSpan]) -> Callable[[Any], Any]:
    """A function masking any JSON-like value: every string in it, keys left alone."""
    rules = _replacements(transcript, spans)

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            for pattern, label in rules:
                value = pattern.sub(label, value)
            return mask_phone_numbers(value)
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(walk(v) for v in value)
        return value

    return walk


def mask_json(data: Any, transcript: Transcript, spans: Sequence[PersonalSpan]) -> Any:
    """A copy of an analysis JSON (`pipeline.report.analysis_to_json`) with every string masked."""
    return text_masker(transcript, spans)(data)


def mask_phone_numbers(text: str) -> str:
    """Phone numbers as the phone system writes them (the client's number in a PBX file name or a CDR
    field), «89161112233», «+79035556677», as «[телефон]»."""
    return PBX_PHONE.sub(LABELS["phone"], text)


def _mask_stage(hit: StageHit, walk: Callable[[Any], Any]) -> StageHit:
    if hit.evidence is None:
        return hit
    return replace(hit, evidence=replace(hit.evidence, quote=walk(hit.evidence.quote),
                                         reference=walk(hit.evidence.reference)))


def _mask_finding(finding: Finding, walk: Callable[[Any], Any]) -> Finding:
    return replace(finding, evidence=walk(finding.evidence), reference=walk(finding.reference),
                   details=walk(finding.details))


def mask_analysis(analysis: CallAnalysis, spans: Sequence[PersonalSpan]) -> CallAnalysis:
    """A copy of a stored call with `spans` masked everywhere a reader meets its words: the
    transcript, the stages' and findings' quotes, the findings' details, the attributes, and the
    recording's path (the phone system names files after the client's number)."""
    walk = text_masker(analysis.transcript, spans)
    return replace(analysis, recording=mask_phone_numbers(analysis.recording),
                   transcript=mask_transcript(analysis.transcript, spans),
                   stages=tuple(_mask_stage(h, walk) for h in analysis.stages),
                   findings=tuple(_mask_finding(f, walk) for f in analysis.findings),
                   attributes=walk(analysis.attributes))


def mask_for_role(transcript: Transcript, spans: Sequence[PersonalSpan], role: str,
                  own_name: str | None = None) -> Transcript:
    """What a role reads of a call's transcript."""
    return mask_transcript(transcript, spans_to_mask(spans, transcript, role, own_name))
