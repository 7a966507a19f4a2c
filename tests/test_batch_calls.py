"""The batch sees calls, not files: two-leg recordings become one stereo call."""

from pathlib import Path

import numpy as np
import soundfile as sf

from pipeline.batch import CallFiles, discover, fingerprint, group_calls, load_call_audio


def tone(path: Path, seconds: float, freq: float) -> Path:
    t = np.arange(int(8000 * seconds)) / 8000
    sf.write(path, 0.3 * np.sin(2 * np.pi * freq * t), 8000, subtype="PCM_16")
    return path


def test_legs_pair_into_one_call_and_other_files_stay_calls(tmp_path):
    day = tmp_path / "2026" / "11" / "02"
    day.mkdir(parents=True)
    tone(day / "in-101-89161234567-20261102-100000-1762070400.1-in.wav", 2.0, 300)
    tone(day / "in-101-89161234567-20261102-100000-1762070400.1-out.wav", 1.5, 500)
    tone(day / "in-102-89162222222-20261102-110000-1762074000.2.wav", 1.0, 400)
    tone(day / "orphan-r.wav", 1.0, 400)  # its -t leg is missing: still analysed, alone
    calls = group_calls(discover(tmp_path))
    assert [c.path.name for c in calls] == [
        "in-101-89161234567-20261102-100000-1762070400.1.wav",
        "in-102-89162222222-20261102-110000-1762074000.2.wav",
        "orphan-r.wav",
    ]
    pair = calls[0]
    assert pair.legs is not None and pair.legs.received.name.endswith("-in.wav")
    audio = load_call_audio(pair)
    assert len(audio.channels) == 2 and abs(audio.duration_s - 2.0) < 0.05


def test_a_pair_is_fingerprinted_over_both_legs(tmp_path):
    first, second = tone(tmp_path / "x-r.wav", 1.0, 300), tone(tmp_path / "x-t.wav", 1.0, 500)
    (call,) = group_calls([first, second])
    rec = fingerprint(call)
    assert rec.path == str(tmp_path / "x.wav")
    assert rec.size_bytes == first.stat().st_size + second.stat().st_size
    assert rec.sha256 not in {fingerprint(CallFiles(first)).sha256, fingerprint(CallFiles(second)).sha256}
