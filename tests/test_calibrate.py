"""`callqa calibrate`: the QA lead's review decisions become examples, counter-examples and thresholds.

The calls are built by hand (tests/helpers.py) with realistic lines, analysed by the real
checks with the demo standard and the real sentence encoder, stored by the repository the
batch uses, and reviewed through `record_action` as the review app does. The gains are known:
a farewell said in words the demo standard lacks («удачи вам со стройкой, всех благ»), marked
present by the lead in three calls; a pickup «подъехать на склад» the words take for a meeting
proposal, marked absent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from checks.standard import load_standard
from pipeline.records import Transcript
from tests.conftest import DEMO_STANDARD
from tests.helpers import call

OPENING = (
    ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?"),
    ("client", 5.0, "Здравствуйте, мне нужен газобетон на дом."),
    ("seller", 9.0, "Какой объем вам нужен?"),
    ("client", 12.0, "Кубов двадцать примерно."),
    ("seller", 16.0, "Есть в наличии, могу предложить хороший вариант."),
)
MEETING = (
    ("client", 21.0, "Хорошо, а можно посмотреть вживую?"),
    ("seller", 25.0, "Давайте встретимся у нас в офисе завтра в десять, вам удобно?"),
    ("client", 30.0, "Да, удобно."),
)
PICKUP = (
    ("client", 21.0, "А сам забрать могу?"),
    ("seller", 25.0, "Да, можете подъехать на склад и забрать сами, там самовывоз."),
    ("client", 30.0, "Понял, хорошо."),
)
# the farewell in words the demo standard lacks: none of its phrases, and far from them in meaning
NEW_FAREWELLS = (
    "Ну всё, удачи вам со стройкой, всех благ!",
    "Удачи со стройкой вам, всех благ.",
    "Так, удачи вам со стройкой, всех благ и до связи.",
)


def _call(middle: tuple[tuple[str, float, str], ...], last: str) -> Transcript:
    return call(*OPENING, *middle, ("seller", 34.0, last), ("client", 38.0, "Спасибо."))


def reviewed_set() -> list[tuple[str, Transcript, list[tuple[str, dict]]]]:
    """(name, transcript, the lead's actions) per call; every call is marked reviewed after its actions."""
    marked_present = [("stage_present", {"stage_id": "farewell", "comment": "попрощалась своими словами"})]
    return [
        *[(f"new-farewell-{i}.flac", _call(MEETING, text), marked_present) for i, text in enumerate(NEW_FAREWELLS, 1)],
        ("plain.flac", _call(MEETING, "Спасибо за звонок, всего доброго!"), []),
        ("pickup.flac", _call(PICKUP, "Спасибо за звонок, всего доброго!"),
         [("stage_absent", {"stage_id": "meeting_proposal", "comment": "это самовывоз, не встреча"})]),
        ("no-farewell.flac", _call(MEETING, "Записал, двадцать кубов газобетона."), []),
    ]


def seed(url: str, calls: list[tuple[str, Transcript, list[tuple[str, dict]]]], review: bool = True) -> dict[str, int]:
    """Analyse each call with the demo standard, store it, and record the lead's actions; name → analysis id."""
    from checks.analyze import analyze_transcript
    from pipeline.records import Recording
    from pipeline.storage.db import open_database
    from pipeline.storage.repository import save_analysis, upsert_recording
    from pipeline.storage.reviews import add_user, record_action

    standard = load_standard(DEMO_STANDARD)
    sessions = open_database(url)
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        lead = add_user(session, "lead", "qa_lead", "lead-pass-1")
        for name, transcript, actions in calls:
            sha = hashlib.sha256(name.encode()).hexdigest()
            upsert_recording(session, Recording(name, sha, 1000), duration_s=transcript.duration_s, channels=2)
            ids[name] = aid = save_analysis(session, sha, analyze_transcript(transcript, standard, name))
            for kind, fields in actions:
                record_action(session, lead, aid, kind, **fields)
            if review:
                record_action(session, lead, aid, "mark_reviewed")
    sessions.kw["bind"].dispose()
    return ids


def run_cli(*args: str):
    from pipeline.cli import app

    return CliRunner().invoke(app, ["calibrate", *args])


# --- end to end ----------------------------------------------------------------------


@pytest.fixture
def standard_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "stroydom.yaml"
    copy.write_bytes(DEMO_STANDARD.read_bytes())
    return copy


def test_calibrate_learns_the_farewell_and_the_pickup_end_to_end(tmp_path: Path, standard_copy: Path) -> None:
    from pipeline.calibration.metrics import compare, measure
    from pipeline.calibration.source import load_reviewed_calls

    url = f"sqlite:///{tmp_path / 'callqa.db'}"
    seed(url, reviewed_set())
    original = standard_copy.read_bytes()

    result = run_cli("--standard", str(standard_copy), "--db", url)

    assert result.exit_code == 0, result.output
    assert standard_copy.read_bytes() == original  # the input is never written to
    version = str(int(load_standard(standard_copy).standard.version) + 1)
    out = tmp_path / f"stroydom.v{version}.yaml"
    assert out.is_file(), result.output
    proposed = load_standard(out)
    assert proposed.standard.version == version
    farewell = proposed.stage("farewell")
    added = [p for p in farewell.phrases if p not in load_standard(standard_copy).stage("farewell").phrases]
    assert len(added) == 1 and "удачи" in added[0] and "благ" in added[0], added
    assert any("подъехать на склад" in c for c in proposed.stage("meeting_proposal").counter_examples)
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# callqa calibrate")
    assert "new-farewell-1.flac at 34.0 s" in text and "stage_present by lead" in text
    assert "what sounds like a meeting proposal and is not" in text  # the input's own comments are kept
    assert "0.40 → 1.00" in result.output  # farewell recall in the printed table

    calls = load_reviewed_calls(url, "stroydom-inbound")
    rows = {(r.kind, r.name): r for r in compare(measure(calls, load_standard(standard_copy)), measure(calls, proposed))}
    farewell_row = rows[("stage", "farewell")]
    assert farewell_row.before.recall is not None and farewell_row.after.recall is not None
    assert farewell_row.after.recall > farewell_row.before.recall
    assert farewell_row.after.recall == 1.0
    meeting = rows[("stage", "meeting_proposal")]
    assert meeting.before.fp == 1 and meeting.after.fp == 0 and meeting.after.fn == 0
    assert rows[("finding", "missing_stage")].after.fp < rows[("finding", "missing_stage")].before.fp


def test_calibrate_never_overwrites_the_input_or_an_earlier_proposal(empty_database_url: str, tmp_path: Path,
                                                                      standard_copy: Path) -> None:
    url = empty_database_url  # SQLite and PostgreSQL
    seed(url, reviewed_set()[:1])
    target = tmp_path / "mine.yaml"
    assert run_cli("--standard", str(standard_copy), "--db", url, "--out", str(target)).exit_code == 0
    assert load_standard(target).standard.version == str(int(load_standard(standard_copy).standard.version) + 1)
    assert "(--standard mine.yaml)" in target.read_text(encoding="utf-8")  # the header names the file it is in
    again = run_cli("--standard", str(standard_copy), "--db", url, "--out", str(target))
    assert again.exit_code == 2 and "exists" in again.output
    itself = run_cli("--standard", str(standard_copy), "--db", url, "--out", str(standard_copy))
    assert itself.exit_code == 2 and "input standard" in itself.output
    assert standard_copy.read_bytes() == DEMO_STANDARD.read_bytes()


def test_reviews_that_agree_with_callqa_propose_nothing_and_write_nothing(tmp_path: Path, standard_copy: Path) -> None:
    url = f"sqlite:///{tmp_path / 'callqa.db'}"
    seed(url, [c for c in reviewed_set() if c[0] in ("plain.flac", "no-farewell.flac")])
    result = run_cli("--standard", str(standard_copy), "--db", url)
    assert result.exit_code == 0, result.output
    assert "nothing to propose" in result.output and "no file written" in result.output
    assert sorted(p.name for p in tmp_path.glob("*.yaml")) == ["stroydom.yaml"]


def test_a_call_reviewed_under_two_versions_counts_once_with_its_latest_review(tmp_path: Path) -> None:
    from checks.analyze import analyze_transcript
    from pipeline.calibration.source import load_reviewed_calls
    from pipeline.storage.db import open_database
    from pipeline.storage.repository import save_analysis
    from pipeline.storage.reviews import get_user, record_action

    url = f"sqlite:///{tmp_path / 'callqa.db'}"
    name, transcript, actions = reviewed_set()[0]
    first = seed(url, [(name, transcript, actions)])[name]
    standard = load_standard(DEMO_STANDARD)
    newer = standard.model_copy(update={"standard": standard.standard.model_copy(update={"version": "99"})})
    with open_database(url).begin() as session:
        second = save_analysis(session, hashlib.sha256(name.encode()).hexdigest(),
                               analyze_transcript(transcript, newer, name))
        record_action(session, get_user(session, "lead"), second, "mark_reviewed")
    calls = load_reviewed_calls(url, "stroydom-inbound")
    assert [(c.analysis_id, c.standard_version) for c in calls] == [(second, "99")]
    assert second != first
    assert calls[0].stage("farewell").present is False  # the newer review has no mark: left as detected


def test_no_reviewed_calls_says_how_many_analyses_exist(tmp_path: Path, standard_copy: Path) -> None:
    url = f"sqlite:///{tmp_path / 'callqa.db'}"
    seed(url, reviewed_set()[:2], review=False)
    result = run_cli("--standard", str(standard_copy), "--db", url)
    assert result.exit_code == 2
    assert "no reviewed calls for standard 'stroydom-inbound'" in result.output
    assert "2 analyses" in result.output
    assert not list(tmp_path.glob("stroydom.v*.yaml"))


def test_unknown_standard_and_missing_database_are_clear_errors(tmp_path: Path, standard_copy: Path) -> None:
    missing = run_cli("--standard", str(tmp_path / "nope.yaml"), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert missing.exit_code == 2 and "nope.yaml: standard file not found" in missing.output
    no_db = run_cli("--standard", str(standard_copy), "--db", f"sqlite:///{tmp_path / 'absent.db'}")
    assert no_db.exit_code == 2 and "absent.db: no such database file" in no_db.output
    unreachable = run_cli("--standard", str(standard_copy), "--db", "postgresql+psycopg2://nobody@127.0.0.1:9/none")
    assert unreachable.exit_code == 2 and "unreachable" in unreachable.output


# --- the pure steps, on hand-built labels ----------------------------------------------


def labelled(name: str, transcript: Transcript, marks: dict[str, bool], findings: tuple = ()):
    """A reviewed call without a database: the demo standard's detection, with the lead's `marks`
    over it (stage id → present) and `findings` as (finding, confirmed) pairs."""
    from checks.analyze import analyze_transcript
    from pipeline.calibration.labels import ACCEPTED, Decision, FindingLabel, ReviewedCall, StageLabel

    analysis = analyze_transcript(transcript, load_standard(DEMO_STANDARD), name)
    stages = tuple(
        StageLabel(h.stage_id, marks[h.stage_id], h.present,
                   Decision("stage_present" if marks[h.stage_id] else "stage_absent", "lead"))
        if h.stage_id in marks else StageLabel(h.stage_id, h.present, h.present, Decision(ACCEPTED))
        for h in analysis.stages)
    labels = tuple(FindingLabel(i, f, ok, Decision("confirm_finding" if ok else "dismiss_finding", "lead"))
                   for i, (f, ok) in enumerate(findings))
    truth = {"stages": {s.stage_id: s.present for s in stages},
             "findings": [{"type": f.type, "start": f.start, "end": f.end} for f, ok in findings if ok]}
    return ReviewedCall(len(name), name, analysis.standard_version, transcript, stages, labels, truth)


def test_a_missed_stage_becomes_one_example_that_covers_the_calls_like_it() -> None:
    from pipeline.calibration.proposals import Detector, sentence_proposals

    standard = load_standard(DEMO_STANDARD)
    calls = [labelled(f"new-{i}", _call(MEETING, text), {"farewell": True}) for i, text in enumerate(NEW_FAREWELLS, 1)]
    calls.append(labelled("no-farewell", _call(MEETING, "Записал, двадцать кубов газобетона."), {}))
    result = sentence_proposals(Detector(calls, standard), standard)
    assert [(p.kind, p.target) for p in result.proposals] == [("example", "farewell")]
    proposal = result.proposals[0]
    assert proposal.value == "ну все удачи вам со стройкой всех благ"  # the seller's sentence, as the encoder sees it
    assert proposal.sources[0].where.startswith("new-1 at 34.0 s")
    assert proposal.sources[0].quote == NEW_FAREWELLS[0] and "stage_present by lead" in proposal.sources[0].decision
    assert proposal.why.endswith("3 → 0")
    assert proposal.value in result.standard.stage("farewell").phrases


def test_a_wrongly_found_stage_becomes_a_counter_example() -> None:
    from pipeline.calibration.proposals import Detector, sentence_proposals

    standard = load_standard(DEMO_STANDARD)
    calls = [labelled("pickup", _call(PICKUP, "Спасибо за звонок, всего доброго!"), {"meeting_proposal": False}),
             labelled("meeting", _call(MEETING, "Спасибо за звонок, всего доброго!"), {})]
    assert calls[0].stage("meeting_proposal").detected  # «подъехать» is the stage's phrase
    result = sentence_proposals(Detector(calls, standard), standard)
    assert [(p.kind, p.target, p.value) for p in result.proposals] == [
        ("counter_example", "meeting_proposal", "да можете подъехать на склад и забрать сами там самовывоз")]
    after = Detector(calls, result.standard).hits(result.standard)
    assert not after[0]["meeting_proposal"].present and after[1]["meeting_proposal"].present


def test_a_threshold_moves_down_for_a_missed_stage_and_up_for_a_false_one() -> None:
    from checks.meaning.calls import stage_index
    from pipeline.calibration.proposals import Detector, neutral_floor, threshold_proposals

    standard = load_standard(DEMO_STANDARD)
    auto = stage_index(standard).thresholds["farewell"]
    floor = neutral_floor(stage_index(standard), "farewell")
    no_farewell = labelled("no-farewell", _call(MEETING, "Записал, двадцать кубов газобетона."), {})
    # near the farewell's examples, under its calibrated threshold, above the floor
    missed = [labelled("missed", _call(MEETING, "Спасибо, хорошего вам настроения."), {"farewell": True}), no_farewell]
    down = threshold_proposals(Detector(missed, standard), standard).proposals
    assert [(p.kind, p.target) for p in down] == [("threshold", "farewell")]
    assert floor <= float(down[0].value) < auto
    assert down[0].sources[0].where.startswith("missed at 34.0 s") and "stage_present by lead" in down[0].sources[0].decision
    # found by meaning alone («спасибо что позвонили удачи» near «спасибо за звонок»), marked absent
    wrong = [labelled("wrong", _call(MEETING, "Спасибо, что позвонили, удачи."), {"farewell": False}), no_farewell]
    up = threshold_proposals(Detector(wrong, standard), standard)
    assert [(p.kind, p.target) for p in up.proposals] == [("threshold", "farewell")]
    assert float(up.proposals[0].value) > auto
    assert up.standard.stage("farewell").threshold == up.proposals[0].value
    assert not Detector(wrong, up.standard).hits(up.standard)[0]["farewell"].present


def test_no_threshold_moves_without_a_call_that_asks_for_it() -> None:
    from pipeline.calibration.proposals import Detector, threshold_proposals

    standard = load_standard(DEMO_STANDARD)
    agreeing = [labelled("plain", _call(MEETING, "Спасибо за звонок, всего доброго!"), {}),
                labelled("no-farewell", _call(MEETING, "Записал, двадцать кубов газобетона."), {})]
    assert threshold_proposals(Detector(agreeing, standard), standard).proposals == ()
    # far below the floor: no threshold may take it in, whatever the lead says
    far = [labelled("far", _call(MEETING, "Ну, счастливо вам, удачи."), {"farewell": True})]
    assert threshold_proposals(Detector(far, standard), standard).proposals == ()


def test_metrics_before_and_after_count_each_label_once() -> None:
    from pipeline.calibration.metrics import compare, measure
    from pipeline.calibration.proposals import with_stage

    standard = load_standard(DEMO_STANDARD)
    calls = [labelled(f"new-{i}", _call(MEETING, text), {"farewell": True}) for i, text in enumerate(NEW_FAREWELLS, 1)]
    calls += [labelled("plain", _call(MEETING, "Спасибо за звонок, всего доброго!"), {}),
              labelled("no-farewell", _call(MEETING, "Записал, двадцать кубов газобетона."), {})]
    learned = with_stage(standard, "farewell",
                         phrases=[*standard.stage("farewell").phrases, "ну все удачи вам со стройкой всех благ"])
    rows = {(r.kind, r.name): r for r in compare(measure(calls, standard), measure(calls, learned))}
    farewell = rows[("stage", "farewell")]
    assert (farewell.before.tp, farewell.before.fp, farewell.before.fn) == (1, 0, 3)
    assert (farewell.after.tp, farewell.after.fp, farewell.after.fn) == (4, 0, 0)
    assert farewell.before.recall == 0.25 and farewell.after.recall == 1.0
    missing = rows[("finding", "missing_stage")]  # expected only in no-farewell; found in the three new ones too
    assert (missing.before.tp, missing.before.fp, missing.before.fn) == (1, 3, 0)
    assert (missing.after.tp, missing.after.fp, missing.after.fn) == (1, 0, 0)
    total = rows[("stage", "all stages")]
    assert total.after.tp - total.before.tp == 3 and total.after.fn == 0


def test_a_confirmed_wrong_answer_gives_its_question_to_the_fact() -> None:
    from pipeline.calibration.proposals import fact_question_proposals
    from pipeline.records import Finding

    standard = load_standard(DEMO_STANDARD)
    question = "А привезти в Подольск во сколько обойдётся?"
    transcript = call(("client", 3.0, question), ("seller", 7.0, "В Подольск привезём за три тысячи."))

    def wrong(at: float) -> Finding:
        return Finding("wrong_answer", "major", 7.0, 9.0, "seller", "", check="wrong_answer",
                       details={"fact": "delivery_podolsk", "question_start": at})

    confirmed = labelled("confirmed", transcript, {}, ((wrong(3.0), True),))
    dismissed = labelled("dismissed", transcript, {}, ((wrong(3.0), False),))
    new, proposals = fact_question_proposals([confirmed, dismissed], standard)
    assert [(p.kind, p.target, p.value) for p in proposals] == [
        ("example_question", "delivery_podolsk", "а привезти в подольск во сколько обойдется")]
    assert proposals[0].sources[0].quote == question and "confirm_finding" in proposals[0].sources[0].decision
    fact = next(f for f in new.knowledge_base if f.id == "delivery_podolsk")
    assert fact.example_questions[-1] == "а привезти в подольск во сколько обойдется"
    assert fact_question_proposals([dismissed], standard)[1] == []
    # the check took a request for the question: no sentence of it asks, so it teaches the fact nothing
    request = call(("client", 3.0, "Да, добрый день. Меня интересует газобетон, хочу узнать условия."),
                   ("seller", 7.0, "В Подольск привезём за три тысячи."))
    assert fact_question_proposals([labelled("request", request, {}, ((wrong(3.0), True),))], standard)[1] == []


# --- the new file ------------------------------------------------------------------------


def test_versions_and_file_names() -> None:
    from pipeline.calibration.writer import default_output, next_version

    assert [next_version(v) for v in ("7", "1.9", "v7", "beta")] == ["8", "1.10", "v8", "beta.1"]
    assert default_output(Path("/x/stroydom.yaml"), "8") == Path("/x/stroydom.v8.yaml")
    assert default_output(Path("/x/stroydom.v8.yaml"), "9") == Path("/x/stroydom.v9.yaml")


def test_the_new_text_changes_only_the_lines_it_adds() -> None:
    from pipeline.calibration.proposals import Proposal, Source
    from pipeline.calibration.writer import new_version_text, next_version

    source = DEMO_STANDARD.read_text(encoding="utf-8")
    here = (Source("a.flac at 3.0 s (analysis 1)", "…", "stage_present by lead"),)
    proposals = [Proposal("example", "farewell", "ну все удачи вам", here, "3 → 0"),
                 Proposal("counter_example", "greeting", "алло кто это: я", here, "1 → 0"),  # no list yet; a colon
                 Proposal("threshold", "farewell", 0.6543, (), "2 → 1"),
                 Proposal("example_question", "delivery_podolsk", "а до подольска довезете", here, "confirmed")]
    version = next_version(load_standard(DEMO_STANDARD).standard.version)
    text = new_version_text(source, "new.yaml", version, proposals, ["header line"])
    data = yaml.safe_load(text)
    assert data["standard"]["version"] == version
    stages = {s["id"]: s for s in data["stages"]}
    assert stages["farewell"]["phrases"][-1] == "ну все удачи вам"
    assert stages["farewell"]["threshold"] == 0.6543
    assert stages["greeting"]["counter_examples"] == ["алло кто это: я"]
    fact = next(f for f in data["knowledge_base"] if f["id"] == "delivery_podolsk")
    assert fact["example_questions"][-1] == "а до подольска довезете"
    assert text.startswith("# header line\n\n")
    old, new = source.splitlines(), text.splitlines()[2:]
    removed = [line for line in old if line not in new]
    # everything else of the input is there, as it was; a [flow] list takes the new item inside it
    assert len(removed) == 2 and "version" in removed[0] and "example_questions" in removed[1]
    assert removed[1].rstrip("]") + ", а до подольска довезете]  # calibrate: 1 added" in new
    assert sum(1 for line in new if "# calibrate" in line) == 4
