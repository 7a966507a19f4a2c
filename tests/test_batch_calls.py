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


def test_cached_transcriber_reuses_the_database_and_reassigns_roles(tmp_path):
    from checks.standard import load_standard
    from pipeline.batch import cached_transcriber
    from pipeline.records import Transcript, Utterance
    from pipeline.settings import TranscriptionOptions
    from pipeline.storage import repository as repo
    from pipeline.storage.db import open_database

    audio = tone(tmp_path / "call.wav", 1.0, 300)
    standard = load_standard(Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml")
    options = TranscriptionOptions()
    sessions = open_database(f"sqlite:///{tmp_path / 'cache.db'}")
    # stored with the roles the wrong way round: the channel that speaks first is the seller
    stored = Transcript(
        utterances=(Utterance("client", 0.5, 2.0, "Добрый день, компания СтройДом.", channel=1),
                    Utterance("seller", 3.0, 4.0, "Здравствуйте.", channel=0)),
        duration_s=5.0, channels=2, engine=options.engine, model=options.model, channel_roles=("seller", "client"))
    with sessions.begin() as session:
        repo.put_cached_transcript(session, fingerprint(CallFiles(audio)).sha256, stored, options.cache_key())
    transcript, from_cache = cached_transcriber(options, standard, sessions)(audio)
    assert from_cache
    assert transcript.channel_roles == ("client", "seller")
    assert [u.speaker for u in transcript.utterances] == ["seller", "client"]
