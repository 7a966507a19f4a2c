"""Progress over calls: in a log (no terminal) one line per call, with done, left and the time to go."""

import io

import pytest

from pipeline.progress import CallProgress


def test_one_line_per_call_when_not_a_terminal():
    log = io.StringIO()
    with CallProgress(3, "eval", log) as progress:
        for name in ("a.flac", "b.flac", "c.flac"):
            progress.start(name)
    lines = log.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == ["eval: 1/3 done", "eval: 2/3 done", "eval: 3/3 done"]
    assert "2 left" in lines[0] and "to go (a.flac)" in lines[0] and lines[2].endswith("(c.flac)")


def test_a_call_that_raised_is_not_counted_done():
    log = io.StringIO()
    with pytest.raises(RuntimeError), CallProgress(2, "bench", log) as progress:
        progress.start("a.flac")
        progress.start("b.flac")
        raise RuntimeError("b.flac broke the run")
    assert log.getvalue().splitlines()[-1].startswith("bench: 1/2 done")


def test_calls_side_by_side_count_as_each_finishes():
    from concurrent.futures import ThreadPoolExecutor

    log = io.StringIO()
    with CallProgress(4, "run", log) as progress, ThreadPoolExecutor(2) as pool:
        list(pool.map(progress.finished, ["a.flac", "b.flac", "c.flac", "d.flac"]))
    lines = log.getvalue().splitlines()
    assert len(lines) == 4 and lines[-1].startswith("run: 4/4 done, 0 left")
