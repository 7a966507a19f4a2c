"""Personal data masked for a seller on generated calls, through the real Whisper path (issue 18).

`recordings/generate_calls.py --personal-data` plants personal data in the client's lines and
writes each item's type, words and seconds (from the TTS timeline) under `personal_data` in the
call's truth sidecar; items a bank line says (the client's name, a town, a phone number) are
there too, with `"source": "bank"`. This module transcribes each call as callqa does (its
default Whisper options, through the transcript cache of a SQLite database, so a rerun is cheap),
detects personal data, keeps what a seller would see masked (`masking.spans_to_mask`, role
seller, the call's seller as their own name) and scores:

- a planted item is **masked** when every word Whisper wrote inside its seconds (the word's middle
  within them) is inside a masked span; where Whisper wrote no word there, when masked spans of
  that speaker cover half its seconds. One word of a phone number left in clear is a miss. A
  lead-in at either edge («там», «вроде») that a sentence's end parts from the rest, or whose
  middle is within the timing tolerance of the edge, is no part of the item (Whisper's word times
  drift off the TTS timeline); before 2026-12-06's `sentence-model@3` it counted.
- a masked span, as a reader meets it (neighbours of one type with only punctuation between are one
  label), is **false** when its seconds overlap no item of the truth (planted or a bank line's), on
  its speaker's side: a product, the company, a price, a colleague;
- a masked **word** is false when its middle is in no truth item's seconds on its side: what a
  reader loses beyond the personal data, which the span measure cannot show.

    .venv/bin/python -m pipeline.privacy.evaluation /work/pd_dev [--show] [--json]
    .venv/bin/python -m pipeline.privacy.evaluation /work/pd_heldout --transcribe-only
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.privacy.spans import PII_TYPES, PersonalSpan
from pipeline.privacy.timing import word_offsets
from pipeline.records import Transcript, Utterance, Word

# a masked span's seconds come from Whisper's word timestamps, which run a little off the TTS timeline
_TOLERANCE_S = 0.25


@dataclass(frozen=True)
class TruthItem:
    type: str
    text: str
    speaker: str
    source: str  # "planted" or "bank"
    start: float
    end: float


@dataclass(frozen=True)
class ItemResult:
    item: TruthItem
    masked: bool
    heard: str  # the words Whisper wrote inside its seconds


@dataclass(frozen=True)
class SpanResult:
    span: PersonalSpan
    speaker: str
    text: str
    false: bool
    words: int  # words Whisper wrote inside it
    false_words: int  # of those, the ones whose middle is in no truth item's seconds on its side


@dataclass
class CallResult:
    name: str
    items: list[ItemResult] = field(default_factory=list)
    spans: list[SpanResult] = field(default_factory=list)


def load_truth_items(path: Path) -> list[TruthItem]:
    """The personal data of a truth sidecar; an error names the file and the field."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if "personal_data" not in data:
        raise ValueError(f"{path}: no personal_data (generate the calls with --personal-data)")
    items = []
    for n, raw in enumerate(data["personal_data"]):
        try:
            item = TruthItem(raw["type"], raw["text"], raw["speaker"], raw["source"], float(raw["start"]),
                             float(raw["end"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: personal_data[{n}]: {exc!r}") from None
        if item.type not in PII_TYPES or item.end < item.start:
            raise ValueError(f"{path}: personal_data[{n}]: unknown type {item.type!r} or end before start")
        items.append(item)
    return items


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def said_within(item: TruthItem, speaker: str, word: Word, slack: float = 0.0) -> bool:
    """Whether a word this speaker said has its middle in the item's seconds (widened by `slack`)."""
    return item.speaker == speaker and item.start - slack <= (word.start + word.end) / 2 <= item.end + slack


def _words_inside(transcript: Transcript, item: TruthItem) -> list[tuple[int, int]]:
    """(utterance index, word index) of the words of the item's speaker whose middle is in its seconds."""
    return [
        (u_i, w_i)
        for u_i, utt in enumerate(transcript.utterances)
        for w_i, w in enumerate(utt.words) if said_within(item, utt.speaker, w)
    ]


def _word_masked(utt: Utterance, u_i: int, w_i: int, at: tuple[int, int] | None, masked: Sequence[PersonalSpan]) -> bool:
    word = utt.words[w_i]
    if not any(c.isalnum() for c in word.text):
        return True  # punctuation Whisper wrote as a word gives nothing away
    for s in masked:
        if s.utterance != u_i:
            continue
        if at is not None and at[0] < s.char_end and s.char_start < at[1]:
            return True
        if at is None and _overlap(word.start, word.end, s.start, s.end) > 0:
            return True
    return False


def _beside_the_item(item: TruthItem, utt: Utterance, offsets: list[tuple[int, int] | None], word: int, other: int) -> bool:
    """A word Whisper wrote at an item's edge that is no part of it: a lead-in («там», «я»,
    «вроде») that a sentence's end parts from the item's other words («…квартира 39. Там…»), or
    whose middle lies within the timing tolerance of the item's edge («…34 51 вроде»). Its middle
    falls in the item's seconds only because Whisper's word times run off the TTS timeline, as the
    false spans' tolerance allows for, and it gives nothing away."""
    from pipeline.privacy.dialogue import lead_in
    from pipeline.privacy.tokens import tokenize

    a, b = offsets[word], offsets[other]
    tokens = tokenize(utt.text[a[0]:a[1]]) if a is not None else []
    if a is None or b is None or len(tokens) != 1 or not lead_in(tokens[0]):
        return False
    first, second = sorted((a, b))
    earlier = utt.text[first[0]:second[0]]
    last_letter = max((i for i, c in enumerate(earlier) if c.isalnum()), default=-1)
    middle = (utt.words[word].start + utt.words[word].end) / 2
    drifted = min(middle - item.start, item.end - middle) < _TOLERANCE_S
    return drifted or any(c in ".!?…" for c in earlier[last_letter + 1:])


def _counted(transcript: Transcript, item: TruthItem, inside: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The words inside an item that must be masked: all but a lead-in beside it at either edge
    (`_beside_the_item`)."""
    out = list(inside)
    for edge, other in ((0, 1), (-1, -2)):
        if len(out) < 2:
            break
        (u, w), (u2, w2) = out[edge], out[other]
        utt = transcript.utterances[u]
        if u == u2 and _beside_the_item(item, utt, word_offsets(utt), w, w2):
            out.pop(edge)
    return out


def item_masked(transcript: Transcript, item: TruthItem, masked: Sequence[PersonalSpan]) -> tuple[bool, str]:
    """Whether a truth item is masked for the reader of `masked`, and what Whisper wrote there."""
    inside = _counted(transcript, item, _words_inside(transcript, item))
    if not inside:
        covered = sum(_overlap(item.start, item.end, s.start, s.end) for s in masked
                      if transcript.utterances[s.utterance].speaker == item.speaker)
        return covered >= 0.5 * (item.end - item.start), ""
    offsets = {u_i: word_offsets(transcript.utterances[u_i]) for u_i, _ in inside}
    heard = " ".join(transcript.utterances[u].words[w].text.strip() for u, w in inside)
    ok = all(_word_masked(transcript.utterances[u], u, w, offsets[u][w], masked) for u, w in inside)
    return ok, heard


def span_false(transcript: Transcript, span: PersonalSpan, items: Sequence[TruthItem]) -> bool:
    """A masked span whose seconds overlap no personal data of the truth, on its speaker's side."""
    speaker = transcript.utterances[span.utterance].speaker
    return not any(
        it.speaker == speaker and span.start < it.end + _TOLERANCE_S and it.start - _TOLERANCE_S < span.end
        for it in items
    )


def score_call(name: str, transcript: Transcript, items: Sequence[TruthItem], masked: Sequence[PersonalSpan]) -> CallResult:
    result = CallResult(name)
    for item in items:
        ok, heard = item_masked(transcript, item, masked)
        result.items.append(ItemResult(item, ok, heard))
    for span in masked:
        utt = transcript.utterances[span.utterance]
        words, false_words = _words_of(transcript, span, items)
        result.spans.append(SpanResult(span, utt.speaker, utt.text[span.char_start:span.char_end],
                                       span_false(transcript, span, items), words, false_words))
    return result


def _words_of(transcript: Transcript, span: PersonalSpan, items: Sequence[TruthItem]) -> tuple[int, int]:
    """How many words Whisper wrote inside a masked span, and how many of them lie in no truth
    item's seconds on its speaker's side: a span that overlaps an item is never false, so this says
    how much more than the personal data a reader loses."""
    utt = transcript.utterances[span.utterance]
    inside = [w for w, at in zip(utt.words, word_offsets(utt))
              if at is not None and at[0] < span.char_end and span.char_start < at[1] and any(c.isalnum() for c in w.text)]
    outside = [w for w in inside if not any(said_within(it, utt.speaker, w, _TOLERANCE_S) for it in items)]
    return len(inside), len(outside)


@dataclass(frozen=True)
class Row:
    what: str
    planted: int
    masked: int

    @property
    def share(self) -> float | None:
        return self.masked / self.planted if self.planted else None


@dataclass(frozen=True)
class Summary:
    calls: int
    rows: tuple[Row, ...]  # per planted type, then "planted" (all), then "bank lines"
    masked_spans: int
    false_spans: int
    masked_words: int = 0
    false_words: int = 0

    @property
    def false_share(self) -> float | None:
        return self.false_spans / self.masked_spans if self.masked_spans else None

    @property
    def false_word_share(self) -> float | None:
        return self.false_words / self.masked_words if self.masked_words else None

    def row(self, what: str) -> Row:
        return next(r for r in self.rows if r.what == what)

    def to_json(self) -> dict[str, Any]:
        return {"calls": self.calls, "masked_spans": self.masked_spans, "false_spans": self.false_spans,
                "false_share": self.false_share, "masked_words": self.masked_words, "false_words": self.false_words,
                "false_word_share": self.false_word_share,
                "rows": [{"what": r.what, "planted": r.planted, "masked": r.masked, "share": r.share}
                         for r in self.rows]}


def summarise(results: Sequence[CallResult]) -> Summary:
    items = [r for c in results for r in c.items]
    planted = [r for r in items if r.item.source == "planted"]
    rows = [Row(t, sum(r.item.type == t for r in planted), sum(r.item.type == t and r.masked for r in planted))
            for t in PII_TYPES if any(r.item.type == t for r in planted)]
    rows.append(Row("planted", len(planted), sum(r.masked for r in planted)))
    bank = [r for r in items if r.item.source != "planted"]
    rows.append(Row("bank lines", len(bank), sum(r.masked for r in bank)))
    spans = [s for c in results for s in c.spans]
    return Summary(len(results), tuple(rows), len(spans), sum(s.false for s in spans),
                   sum(s.words for s in spans), sum(s.false_words for s in spans))


def render(summary: Summary) -> str:
    lines = ["| planted in the client's lines | items | masked for a seller | share |", "|---|---|---|---|"]
    for r in summary.rows:
        share = "-" if r.share is None else f"{r.share:.2f}"
        lines.append(f"| {r.what} | {r.planted} | {r.masked} | {share} |")
    false = "-" if summary.false_share is None else f"{summary.false_share:.2f}"
    words = "-" if summary.false_word_share is None else f"{summary.false_word_share:.2f}"
    lines.append(f"\n{summary.calls} calls; {summary.masked_spans} spans masked for a seller, "
                 f"{summary.false_spans} false ({false}); {summary.masked_words} words masked, "
                 f"{summary.false_words} of them in no personal data's seconds ({words}).")
    return "\n".join(lines)


def show(results: Sequence[CallResult]) -> str:
    """Each miss and each false span, to read on a development set (never on the held-out one)."""
    out = []
    for c in results:
        for r in c.items:
            if not r.masked:
                out.append(f"{c.name} MISS {r.item.type}/{r.item.source} {r.item.start:.1f}s "
                           f"«{r.item.text}» heard «{r.heard}»")
        for s in c.spans:
            if s.false:
                out.append(f"{c.name} FALSE {s.span.type} ({s.speaker}) «{s.text}»")
    return "\n".join(out)


def parse_calls(text: str) -> tuple[int, int]:
    """«1-20» → (1, 20): which calls of a set, 1-based in name order, so a set can be cut into the
    calls developed on and the calls kept unseen."""
    first, sep, last = text.partition("-")
    try:
        a, b = int(first), int(last) if sep else int(first)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--calls wants FIRST-LAST, such as 1-20, not {text!r}") from None
    if not 1 <= a <= b:
        raise argparse.ArgumentTypeError(f"--calls {text!r}: want 1 <= FIRST <= LAST")
    return a, b


def evaluate_calls(folder: Path, transcript_for: Callable[[Path], tuple[Transcript, bool]],
                   ignore_for: Callable[[str], Sequence[str]], progress: Callable[[str], None] = lambda _m: None,
                   score: bool = True, calls: tuple[int, int] | None = None,
                   rules_only: bool = False) -> list[CallResult]:
    """Transcribe (through `transcript_for`), detect and score every call with a truth sidecar
    (with `calls`, only those, 1-based and inclusive, in name order; with `rules_only`, without
    the sentence model, to compare)."""
    from pipeline.privacy.detect import call_lines, detect_by_rules, detect_personal_data, placed
    from pipeline.privacy.masking import as_read, spans_to_mask

    def by_rules(transcript: Transcript, ignore: Sequence[str]) -> list[PersonalSpan]:
        return placed(transcript, detect_by_rules(call_lines(transcript), ignore)[0])

    detect = by_rules if rules_only else detect_personal_data

    results = []
    truths = sorted(folder.rglob("*.truth.json"))
    if calls is not None:
        truths = truths[calls[0] - 1:calls[1]]
    for i, path in enumerate(truths, 1):
        data = json.loads(path.read_text(encoding="utf-8"))
        items = load_truth_items(path)
        audio = path.parent / data.get("recording", path.name.replace(".truth.json", ".flac"))
        progress(f"[{i}/{len(truths)}] {audio.name}")
        transcript, _ = transcript_for(audio)
        if not score:
            continue
        seller = data.get("seller_name", "")
        spans = detect(transcript, ignore_for(seller))
        masked = as_read(transcript, spans_to_mask(spans, transcript, "seller", own_name=seller))
        results.append(score_call(audio.stem, transcript, items, masked))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.privacy.evaluation",
                                 description="Personal data masked for a seller on generated calls.")
    ap.add_argument("folder", type=Path, help="calls made by generate_calls.py --personal-data")
    ap.add_argument("--standard", type=Path, default=None, help="the company's standard (default: the demo's)")
    ap.add_argument("--db", default=None,
                    help="database whose transcript cache is used and filled (default: transcripts.sqlite "
                         "in each call's folder, so parts of a set transcribed by several processes keep theirs)")
    ap.add_argument("--calls", type=parse_calls, default=None, metavar="FIRST-LAST",
                    help="only these calls, 1-based in name order (1-20: the ones developed on)")
    ap.add_argument("--transcribe-only", action="store_true", help="fill the transcript cache, score nothing")
    ap.add_argument("--rules-only", action="store_true", help="without the sentence model, to compare")
    ap.add_argument("--show", action="store_true", help="print each miss and false span (development sets only)")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = ap.parse_args(argv)

    from checks.standard import load_standard
    from pipeline.batch import cached_transcriber
    from pipeline.privacy.detect import standard_ignore_terms
    from pipeline.settings import DEFAULT_STANDARD, options_from_env
    from pipeline.storage.db import open_database

    if not args.folder.is_dir():
        raise SystemExit(f"{args.folder}: not a folder")
    standard = load_standard(args.standard or DEFAULT_STANDARD)
    options = options_from_env()
    by_db: dict[str, Callable[[Path], tuple[Transcript, bool]]] = {}

    def transcript_for(audio: Path) -> tuple[Transcript, bool]:
        db = args.db or f"sqlite:///{(audio.parent / 'transcripts.sqlite').resolve()}"
        if db not in by_db:
            by_db[db] = cached_transcriber(options, standard, open_database(db))
        return by_db[db](audio)

    results = evaluate_calls(args.folder, transcript_for, lambda seller: standard_ignore_terms(standard, [seller]),
                             progress=lambda m: print(m, file=sys.stderr, flush=True),
                             score=not args.transcribe_only, calls=args.calls, rules_only=args.rules_only)
    if args.transcribe_only:
        return 0
    summary = summarise(results)
    if args.show:
        print(show(results))
    print(json.dumps(summary.to_json(), ensure_ascii=False, indent=2) if args.json else render(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
