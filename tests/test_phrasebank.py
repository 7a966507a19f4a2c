"""The synthetic-call phrase banks: three disjoint splits, every template speakable."""

from __future__ import annotations

import random
import re
import shutil
import sys
from itertools import combinations
from pathlib import Path

import pytest

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings"


def _load_generator():
    """Import recordings/generate_calls.py (and phrasebank) without a __pycache__ there:
    recordings/ is the pipeline's inbox."""
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    sys.path.insert(0, str(RECORDINGS))
    try:
        import generate_calls
        import phrasebank
    finally:
        sys.path.remove(str(RECORDINGS))
        sys.dont_write_bytecode = saved
    return generate_calls, phrasebank


gc, pb = _load_generator()
PAIRS = list(combinations(pb.SPLITS, 2))


def _norm_set(split: str) -> set[str]:
    return {pb._norm(s) for s in pb.all_sentences(split)}


def test_three_splits_in_every_bank():
    assert pb.SPLITS == ("demo", "heldout", "fresh")
    for name, b in pb.all_banks().items():
        assert set(b) == set(pb.SPLITS), name
        assert all(b[split] for split in pb.SPLITS), f"{name} has an empty split"
    for people in (pb.SELLERS, pb.CLIENTS):
        assert set(people) == set(pb.SPLITS)
    for split in pb.SPLITS:  # a presentation samples up to two lines
        assert len(pb.PRESENTATION[split]) >= 2


def test_check_banks_passes():
    pb.check_banks()


@pytest.mark.parametrize(("one", "other"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_splits_share_no_sentence(one, other):
    assert not _norm_set(one) & _norm_set(other)


@pytest.mark.parametrize(("one", "other"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_splits_share_no_name(one, other):
    for people in (pb.SELLERS, pb.CLIENTS):
        assert not {n for n, _ in people[one]} & {n for n, _ in people[other]}
    assert not set(pb.MEETING_TIMES[one]) & set(pb.MEETING_TIMES[other])


def _values() -> list[str]:
    return [v for fact in pb.FACTS.values()
            for v in fact["correct"] + [phrase for _, phrase in fact["wrong"]]]


@pytest.mark.parametrize("split", pb.SPLITS)
def test_every_template_is_synthesisable(split):
    """Bare templates use only the voice's characters, and filled in for a man and a
    woman (seller and client) every one passes the generator's own text check."""
    for s in pb.all_sentences(split):
        bare = re.sub(r"\{[a-z_]+\}", "", s)
        assert pb._ALLOWED.match(bare) and "ё" not in bare.lower(), s
    contexts = {}
    for seed in range(200):
        ctx, seller, client = gc.call_context(random.Random(seed), split)
        contexts.setdefault((seller[1], client[1]), ctx)
    assert len(contexts) == 4, "both genders of seller and client"
    for ctx in contexts.values():
        for s in pb.all_sentences(split):
            for v in _values() if "{v}" in s else [""]:
                gc.check_text(s.format(**ctx, v=v))


@pytest.mark.parametrize("split", pb.SPLITS)
def test_random_calls_use_only_their_split(split):
    """Built calls (no audio) draw names and lines from their own split only."""
    others = set().union(*(_norm_set(o) for o in pb.SPLITS if o != split))
    names = {n for o in pb.SPLITS if o != split for n, _ in pb.SELLERS[o] + pb.CLIENTS[o]}
    for seed in range(60):
        rng = random.Random(f"test:{split}:{seed}")
        ctx, seller, client = gc.call_context(rng, split)
        assert seller in pb.SELLERS[split] and client in pb.CLIENTS[split]
        turns = gc.Builder(gc.random_plan(rng), rng, split, ctx).build()
        assert turns
        for t in turns:
            text = gc.check_text(t.text)
            assert pb._norm(text) not in others, text
            assert not set(re.findall(r"[А-Я][а-я]+", text)) & names, text


@pytest.mark.skipif(shutil.which("text2wave") is None or shutil.which("sox") is None,
                    reason="needs festival and sox")
def test_cli_accepts_fresh_split(tmp_path):
    assert gc.main(["--out", str(tmp_path / "out"), "--split", "fresh", "--count", "0",
                    "--cache", str(tmp_path / "cache")]) == 0
    with pytest.raises(SystemExit):
        gc.main(["--out", str(tmp_path / "out"), "--split", "nosuch", "--count", "0"])
