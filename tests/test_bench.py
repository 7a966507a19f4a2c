"""The benchmark's report: per-stage columns and the analysis-only rate (no timing asserts)."""

from pathlib import Path

from checks.standard import load_standard
from pipeline.bench import BenchResult, CallTiming, analysis_rate, render_markdown
from pipeline.settings import TranscriptionOptions
from tests.helpers import call

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"


def test_report_has_every_stage_and_the_analysis_rate():
    standard = load_standard(DEMO)
    transcript = call(("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина"))
    rate = analysis_rate([transcript, transcript], standard)
    assert rate > 0
    timing = CallTiming("a.flac", 60.0, {"decode": 0.2, "transcribe": 9.0, "analyse": 0.02, "store": 0.01}, 500.0)
    text = render_markdown(BenchResult([timing], [rate, rate]), TranscriptionOptions())
    assert "| decode s | transcribe s | analyse s | store s |" in text
    assert "| a.flac | 60.0 | 0.20 | 9.00 | 0.02 | 0.01 | 9.2 | 0.154 | 500 |" in text
    assert "Analysis alone" in text and "calls/s" in text
