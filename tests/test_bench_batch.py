"""The batch benchmark's own parts: the long call it builds and the memory it reads."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from pipeline.bench_batch import BatchRun, _tree_rss_mb, long_call, render


def test_long_call_repeats_its_sources_to_the_length_asked(tmp_path: Path) -> None:
    sources = []
    for i, seconds in enumerate((1.5, 2.5)):
        audio = (np.random.default_rng(i).standard_normal((int(8000 * seconds), 2)) * 3000).astype(np.int16)
        sf.write(tmp_path / f"c{i}.flac", audio, 8000, subtype="PCM_16")
        sources.append(tmp_path / f"c{i}.flac")
    out = long_call(sources, minutes=0.25, out=tmp_path / "long.flac")
    info = sf.info(out)
    assert (info.samplerate, info.channels, info.frames) == (8000, 2, 15 * 8000)
    first = sf.read(sources[0], dtype="int16")[0]
    assert np.array_equal(sf.read(out, dtype="int16", frames=len(first))[0], first)


def test_tree_memory_counts_this_process() -> None:
    assert 10 < _tree_rss_mb(os.getpid()) < 100_000


def test_render_gives_calls_per_hour_and_the_long_call() -> None:
    table = render([BatchRun(2, 6, 360.0, 120.0, 900.0)], (3600.0, 600.0, 1400.0))
    assert "| 2 | 6 | 360 s | 120.0 s | 180 | 0.333 | 900 MB |" in table
    assert "One call of 60 minutes" in table and "peak memory 1400 MB" in table
