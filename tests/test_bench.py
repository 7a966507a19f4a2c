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
    text = render_markdown(BenchResult([timing], [rate, rate], encoder_s=0.025, encoder_sentences=12,
                                       hearing_s=1.5, heard_stretches=1), TranscriptionOptions())
    assert "Sentence encoder, inside the analyse column: 25 ms per call (12 sentences embedded" in text
    assert "inside the analyse column: 1 in 1 calls, 1.50 s in all (1500 ms per call)" in text
    assert "| decode s | transcribe s | analyse s | store s |" in text
    assert "| a.flac | 60.0 | 0.20 | 9.00 | 0.02 | 0.01 | 9.2 | 0.154 | 500 |" in text
    assert "Analysis alone" in text and "calls/s" in text


def test_startup_section_reports_medians_and_the_fixed_cost():
    from pipeline.bench_startup import AnalyzeRun, StartupResult, render_startup

    runs = [AnalyzeRun(9.0, 2.5, 0.3), AnalyzeRun(8.0, 2.0, 0.2), AnalyzeRun(12.0, 4.0, 0.5, 1.0)]
    text = render_startup(StartupResult([0.4, 0.5, 0.9], Path("short.flac"), runs))
    assert "median of 3 runs" in text and "short.flac" in text
    assert "| `callqa --help` | 0.50 | 0.40–0.90 |" in text
    # a wait for the background loads after the transcription is part of the fixed cost
    assert "| `callqa analyze`, fixed cost (start to ready, plus any wait after transcribing, plus exit) | " \
           "2.80 | 2.20–5.50 |" in text
    assert "(their background load not hidden) | 0.00 | 0.00–1.00 |" in text
    assert "| `callqa analyze`, whole | 9.00 | 8.00–12.00 |" in text


def test_marks_are_written_only_when_a_benchmark_asks(tmp_path, monkeypatch):
    from pipeline.startup import TRACE_ENV, mark

    monkeypatch.delenv(TRACE_ENV, raising=False)
    mark("ready")  # no file named: nothing to write, nothing fails
    trace = tmp_path / "trace"
    monkeypatch.setenv(TRACE_ENV, str(trace))
    mark("ready")
    mark("done")
    events = [line.split()[0] for line in trace.read_text(encoding="utf-8").splitlines()]
    assert events == ["ready", "done"]


def test_startup_section_compares_the_batch_with_its_per_call_sum():
    from pipeline.bench_startup import AnalyzeRun, BatchTiming, StartupResult, render_startup

    marks = {"server-started": 0.4, "prepared": 6.0, "server-up": 7.5, "flow-call": 7.6, "calls-start": 9.0,
             "calls-done": 40.0, "reports-done": 44.0}
    batch = BatchTiming(7, 46.0, 35.0, marks)
    text = render_startup(StartupResult([0.2], Path("short.flac"), [AnalyzeRun(6.0, 1.5, 0.1)], batch))
    assert "7 calls as one `callqa run`" in text
    assert "46.0 s, against 35.0 s of per-call work" in text and "**1.31×** (target at most 1.3×: not met)" in text
    assert "| process start to the first call: imports, standard and models, the Prefect server " \
           "(booting meanwhile) | 9.00 |" in text
    assert "| — of which waiting for the Prefect server after the models loaded | 1.50 |" in text
    assert "| the calls, each a Prefect task (analysed, stored, personal data scanned) | 31.00 |" in text
    assert "| missed calls and scorecards (drawn for the first time) | 4.00 |" in text
    assert "| server stopped, summary printed, exit | 2.00 |" in text
    # a server that was up before the models: no wait, not a negative one
    quick = BatchTiming(7, 45.0, 35.0, marks | {"server-up": 5.0})
    assert "after the models loaded | 0.00 |" in render_startup(
        StartupResult([0.2], Path("short.flac"), [AnalyzeRun(6.0, 1.5, 0.1)], quick))
    assert "target at most 1.3×: met" in render_startup(
        StartupResult([0.2], Path("short.flac"), [AnalyzeRun(6.0, 1.5, 0.1)], BatchTiming(7, 45.0, 35.0, marks)))


def test_analysis_runs_numpy_on_one_thread(monkeypatch):
    # the checks' matrices are small; OpenBLAS's second thread made analysis alone 2-3x slower on a busy machine
    import threadpoolctl

    from checks.analyze import _numpy_on_one_thread, plan_checks

    asked: list[dict] = []
    monkeypatch.setattr(threadpoolctl, "threadpool_limits", lambda **limits: asked.append(limits))
    _numpy_on_one_thread.cache_clear()  # once per process: ask again here
    try:
        plan_checks(load_standard(DEMO))
    finally:
        _numpy_on_one_thread.cache_clear()
    assert asked == [{"limits": 1, "user_api": "blas"}]
