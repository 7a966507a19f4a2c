"""Calls as truth sidecars only, for `callqa eval DIR --reference`: the generator's plans, with each
line's length estimated from its text instead of synthesised, and no audio written.

Festival needs about a minute per call on a loaded 2-core machine; the checks on the truth's words
need only the turns. The timings are estimates (0.068 s per character at the voice's tempo), so
pauses and the 40-90 s fitting come out near, not equal, to those of real calls; a set made this way
is for developing the checks, never for a figure end to end.

    .venv/bin/python tests/truth_only_calls.py --bank kuhnya --out /tmp/kuhnya_dev --seed 91401 --count 40
    callqa eval /tmp/kuhnya_dev --reference --standard scripts_ref/kuhnya.yaml

Takes `recordings/generate_calls.py`'s options.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "recordings"), str(ROOT)]
import generate_calls as gen  # noqa: E402

SECONDS_PER_CHAR = 0.068


def _estimate(self: gen.Renderer, turns: list[gen.Turn]) -> None:
    """Silence as long as the line would take to say: all `layout` needs."""
    for t in turns:
        if (t.speaker, t.text) not in self.audio:
            seconds = max(0.4, len(t.text) * SECONDS_PER_CHAR / max(self.voices[t.speaker].tempo, 0.5))
            self.audio[(t.speaker, t.text)] = np.zeros(int(seconds * gen.RATE), dtype=np.float32)


def main(argv: list[str]) -> int:
    gen.Renderer.render = _estimate  # type: ignore[method-assign]
    gen.write_flac = lambda audio, path: None  # type: ignore[assignment]
    gen.mix = lambda *a, **k: np.zeros((1, 2), dtype=np.float32)  # type: ignore[assignment]
    gen.shutil.which = lambda name: name  # no Festival or sox is run
    return gen.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
