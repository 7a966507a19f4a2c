"""The labelled lines spoken and heard: Festival says each line (8 kHz, as on a phone line), the
bundled Whisper base writes what it hears, and the detectors run on that. Prints, per type, how many
labelled spans a line's detections still cover; Whisper's text differs from the line's, so this is
counted per line and type, not by characters.

    .venv/bin/python tests/privacy_lines/through_whisper.py fresh [--show]

Needs festival, festvox-ru and sox (as recordings/generate_calls.py); lines Festival cannot say
(Latin letters: e-mails, «D500») are skipped. A few minutes on two cores.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline.model_store import resolve_model  # noqa: E402
from pipeline.privacy.detect import detect_lines, ignore_terms  # noqa: E402
from pipeline.privacy.scoring import LabelledLine, load_lines  # noqa: E402
from recordings import generate_calls as gc  # noqa: E402

COMPANY = ignore_terms("СтройДом", ["строй дом"],
                       ["газобетон", "кирпич", "пиломатериалы", "металлочерепица", "утеплитель", "доставка"])


def speakable(text: str) -> str:
    """The line as Festival can read it: digit groups in words, leading zeros as «ноль»."""
    def words(m: re.Match[str]) -> str:
        g = m.group()
        rest = g.lstrip("0")
        return " ".join(["ноль"] * (len(g) - len(rest)) + ([gc.num_words(int(rest))] if rest else []))

    for a, b in (("+", "плюс "), ("(", " "), (")", " "), ("«", ""), ("»", ""), (" — ", ", "), ("—", ",")):
        text = text.replace(a, b)
    text = re.sub(r"(?<=\d)-(?=\d)", " ", text)
    return gc.check_text(re.sub(r"\d+", words, text))


def heard(lines: list[LabelledLine], cache: Path) -> list[tuple[LabelledLine, str]]:
    from faster_whisper import WhisperModel

    model = WhisperModel(resolve_model("base"), device="cpu", compute_type="int8")
    out = []
    for line in lines:
        try:
            raw = gc.synthesize(speakable(line.text), cache)
        except (ValueError, RuntimeError):
            continue
        audio8 = gc.voiced(raw, 0.0, 1.0)
        audio16 = np.interp(np.arange(0, len(audio8), 0.5), np.arange(len(audio8)), audio8).astype(np.float32) * 0.5
        segments, _ = model.transcribe(audio16, language="ru", beam_size=5, condition_on_previous_text=False)
        out.append((line, " ".join(s.text.strip() for s in segments)))
    return out


def family(kind: str) -> str:
    return "location" if kind in ("address", "place") else kind


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("name", help="tune, heldout or fresh")
    ap.add_argument("--show", action="store_true", help="print the lines where detection differs")
    args = ap.parse_args()
    pairs = heard(load_lines(ROOT / "tests" / "privacy_lines" / f"{args.name}.yaml"), Path("/tmp/callqa-tts"))
    found = detect_lines([(text, line.speaker, line.before) for line, text in pairs], COMPANY, call=False)
    planted, covered, extra = Counter(), Counter(), Counter()
    for (line, text), spans in zip(pairs, found):
        want = Counter(family(s.type) for s in line.spans)
        got = Counter(family(s.type) for s in spans)
        for k in want:
            planted[k] += want[k]
            covered[k] += min(want[k], got[k])
        for k in got:
            extra[k] += max(0, got[k] - want[k])
        if args.show and want != got:
            print(dict(want), dict(got), "|", text, "|", [text[s.char_start:s.char_end] for s in spans])
    print(f"{len(pairs)} lines spoken and heard")
    for k in sorted(set(planted) | set(extra)):
        print(f"  {k:9} planted {planted[k]:3}  found {covered[k]:3}  extra {extra[k]}")
    print(f"  all       planted {sum(planted.values()):3}  found {sum(covered.values()):3}  extra {sum(extra.values())}")


if __name__ == "__main__":
    main()
