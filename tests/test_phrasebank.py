"""The synthetic-call phrase banks: three disjoint splits, every template speakable."""

from __future__ import annotations

import random
import re
import shutil
import sys
from itertools import combinations
from pathlib import Path

import pytest
import yaml

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


# --- company banks loaded by name (recordings/banks/, SPEC.md) -------------------------

EXAMPLE = pb.load_bank("example")


def test_banks_load_by_name_and_default_is_the_demo_company():
    assert pb.load_bank().NAME == pb.DEFAULT_BANK == "stroydom"
    assert pb.FACTS is pb.load_bank("stroydom").FACTS  # older callers read the default bank
    assert EXAMPLE.SPLITS == ("fresh",) and EXAMPLE.NAME == "example"
    with pytest.raises(FileNotFoundError, match="known: .*stroydom"):
        pb.load_bank("nosuch")
    assert not list(RECORDINGS.rglob("__pycache__")), "the inbox must stay free of bytecode"


def test_single_split_bank_is_normalised_and_valid():
    """Plain lists in a one-split bank become {split: list}; check_banks passes."""
    pb.check_banks(EXAMPLE)
    for name, b in pb.all_banks(EXAMPLE).items():
        assert set(b) == {"fresh"} and b["fresh"], name
    assert pb.has_dispatch(EXAMPLE) and not pb.has_dispatch(pb.load_bank())
    assert "FACTS: 2 < 6" in pb.short_banks(EXAMPLE)  # the example is deliberately small


def _bank_from(tmp_path, replace: dict[str, str]):
    """A copy of the example bank with some names redefined, loaded by path."""
    src = (RECORDINGS / "banks" / "example.py").read_text(encoding="utf-8")
    extra = "".join(f"\n{name} = {value}\n" for name, value in replace.items())
    path = tmp_path / f"bank_{abs(hash(extra))}.py"
    path.write_text(src + extra, encoding="utf-8")
    return pb.load_bank(path)


@pytest.mark.parametrize(("name", "value", "error"), [
    ("GREET_OFFER", '["чем помочь, {nmae}?"]', "unknown placeholder"),
    ("GREET_OFFER", '["чем {name помочь?"]', "malformed placeholder"),
    ("RESUME", '["Так, двадцать пять."]', None),  # numbers in words are fine
    ("RESUME", '["Так, 25."]', "not synthesisable"),
    ("RESUME", '["Так, «да»."]', "not synthesisable"),
    ("RESUME", '["Ok, так."]', "not synthesisable"),
    ("RESUME", '["Ещё раз."]', "not synthesisable"),
    ("RESUME", '["Так - дальше."]', "a dash"),
    ("RESUME", '["Так — дальше."]', "not synthesisable"),
    ("RESUME", '["Вот {v}."]', "belongs in every FACTS answer"),
    ("RESUME", '["Ну, {dt}."]', "belongs in MEETING only"),
    ("MEETING", '["Заходите к нам, вам удобно?"]', "every MEETING line says {dt}"),
    ("COMPANY", '"Velo"', "not synthesisable"),
    ("CITIES", '["в Луге {city_in}"]', "no placeholders"),
    ("SELLERS", '[("Тамара", "w")]', "SELLERS"),
    ("RESUME", '{"demo": ["Так."], "fresh": ["Ага."]}', "must have the splits"),
])
def test_check_banks_rejects_what_the_voice_or_the_truth_cannot_take(tmp_path, name, value, error):
    if error is None:
        pb.check_banks(_bank_from(tmp_path, {name: value}))
        return
    with pytest.raises(ValueError, match=error):
        pb.check_banks(_bank_from(tmp_path, {name: value}))


def test_fact_answers_need_their_value_and_wrong_values_differ(tmp_path):
    fact = ('{"price": {"expected": "1800", "correct": ["тысяча восемьсот рублей"], '
            '"wrong": [(%s, "две тысячи рублей")], "ask": ["Почем?"], "answer": [%s]}}')
    with pytest.raises(ValueError, match="belongs in every FACTS answer"):
        pb.check_banks(_bank_from(tmp_path, {"FACTS": fact % ('"2000"', '"Это стоит дорого."')}))
    with pytest.raises(ValueError, match="each value unlike expected"):
        pb.check_banks(_bank_from(tmp_path, {"FACTS": fact % ('"1800"', '"Это {v}."')}))


def test_dispatching_banks_come_all_or_none(tmp_path):
    src = (RECORDINGS / "banks" / "example.py").read_text(encoding="utf-8")
    path = tmp_path / "partial.py"
    path.write_text(re.sub(r"^BAD_TRANSFER = .*$", "", src, flags=re.M), encoding="utf-8")
    with pytest.raises(ValueError, match="all or none; missing \\['BAD_TRANSFER'\\]"):
        pb.load_bank(path)


def test_example_bank_builds_calls_with_planted_dispatching():
    """Calls built from a second company's bank (no audio) use only its lines and values,
    pass the voice's text check, and plant each dispatching case with its finding."""
    lines = {pb._norm(s) for s in pb.all_sentences("fresh", EXAMPLE)}
    demo_only = {pb._norm(s) for split in pb.SPLITS for s in pb.all_sentences(split)} - lines
    kinds = set()
    for seed in range(150):
        rng = random.Random(f"example:{seed}")
        ctx, seller, client = gc.call_context(rng, "fresh", EXAMPLE)
        assert ctx["company"] == EXAMPLE.COMPANY and seller in EXAMPLE.SELLERS["fresh"]
        plan = gc.random_plan(rng, EXAMPLE)
        turns = gc.Builder(plan, rng, "fresh", ctx, EXAMPLE).build()
        for t in turns:
            assert pb._norm(gc.check_text(t.text)) not in demo_only, t.text
        found = [t.finding for t in turns if t.finding and t.finding["type"] == "poor_dispatching"]
        if plan.dispatch:
            kinds.add(plan.dispatch)
            assert bool(found) == (plan.dispatch != "absent_callback"), plan.dispatch
        else:
            assert not found
    assert kinds == set(gc.DISPATCH_KINDS)


def test_cli_check_and_print_kb(capsys):
    assert gc.main(["--bank", "example", "--check"]) == 0
    assert "bank example: valid" in capsys.readouterr().out
    assert gc.main(["--bank", "example", "--print-kb"]) == 0
    kb = yaml.safe_load(capsys.readouterr().out)["knowledge_base"]
    assert kb[0] == {"id": "tuning_price", "topic": "цена настройки велосипеда",
                     "keywords": ["настройка", "стоит", "цена"], "value": 1800, "unit": "rub"}
    assert kb[1]["value"] == "21:00" and kb[1]["unit"] == "time"
    with pytest.raises(SystemExit, match="has the splits"):
        gc.main(["--bank", "example", "--split", "demo", "--out", "/nonexistent", "--count", "0"])
    with pytest.raises(SystemExit, match="phrase bank nosuch"):
        gc.main(["--bank", "nosuch", "--check"])
