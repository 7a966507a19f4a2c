"""`callqa eval` scoring: stages per call, findings by type and time, WER normalisation."""

from pathlib import Path

from checks.analyze import analyze_transcript
from checks.standard import load_standard
from pipeline.evaluate import EvalReport, score_call, wer_text
from tests.helpers import call

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"


def test_numbers_and_punctuation_do_not_count_as_word_errors():
    assert wer_text("Доставка — две тысячи пятьсот рублей!") == wer_text("доставка 2500 рублей")
    assert wer_text("Ещё раз") == "еще раз"


def test_scoring_counts_stages_and_matches_findings_by_time():
    standard = load_standard(DEMO)
    transcript = call(
        ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?"),
        ("client", 5.0, "Сколько стоит доставка в Подольск?"),
        ("seller", 9.0, "Доставка в Подольск четыре тысячи рублей."),
    )
    analysis = analyze_transcript(transcript, standard)
    truth = {
        "stages": {"greeting": True, "needs_discovery": False, "meeting_proposal": True, "farewell": False},
        "findings": [
            {"type": "wrong_answer", "start": 9.5, "end": 12.0},
            {"type": "multitasking_pause", "start": 30.0, "end": 45.0},
        ],
    }
    report = EvalReport()
    score_call(report, truth, analysis, standard)
    assert (report.stages["greeting"].tp, report.stages["meeting_proposal"].fn) == (1, 1)
    assert report.stages["farewell"].tp + report.stages["farewell"].fp + report.stages["farewell"].fn == 0
    assert (report.findings["wrong_answer"].tp, report.findings["wrong_answer"].fp) == (1, 0)
    assert report.findings["multitasking_pause"].fn == 1
    # missing required stages in the truth are expected missing_stage findings
    missing = report.findings["missing_stage"]
    assert missing.tp == 2 and missing.fn == 0
    assert report.to_json()["all_stages"]["tp"] == 1


def test_reference_mode_analyses_the_truth_turns_without_audio(tmp_path):
    import json

    from pipeline.evaluate import evaluate_folder
    from pipeline.settings import options_from_env

    truth = {
        "recording": "call.flac",  # never opened: the turns are the transcript
        "channels": {"seller": 1, "client": 0},
        "stages": {"greeting": True},
        "findings": [{"type": "wrong_answer", "start": 9.0, "end": 12.0}],
        "turns": [
            {"speaker": "seller", "start": 0.0, "end": 4.0,
             "text": "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?"},
            {"speaker": "client", "start": 5.0, "end": 8.0, "text": "Сколько стоит доставка в Подольск?"},
            {"speaker": "seller", "start": 9.0, "end": 12.0, "text": "Доставка в Подольск стоит четыре тысячи рублей."},
        ],
    }
    (tmp_path / "call.truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    report = evaluate_folder(tmp_path, load_standard(DEMO), options_from_env(), reference=True)
    assert report.errors == [] and report.calls == 1
    assert (report.findings["wrong_answer"].tp, report.findings["wrong_answer"].fp) == (1, 0)
    assert report.stages["greeting"].tp == 1
    assert report.rtf is None  # nothing was transcribed
