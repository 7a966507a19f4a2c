"""Run settings, from the environment with sensible defaults.

Kept apart from the standard: the standard says what a good call is, these say
how this machine transcribes and where it stores results.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

# the demo standard and recordings of this checkout: the commands' defaults
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_STANDARD = ROOT / "scripts_ref" / "stroydom.yaml"
DEFAULT_RECORDINGS = ROOT / "recordings"

# faster-whisper (CTranslate2) is the default; openai-whisper is the reference
# implementation, an optional extra, run on the same weights (README «Speed»)
ENGINES = ("faster-whisper", "openai-whisper")
# openai-whisper runs torch in float32, or float16 on a GPU; int8 is CTranslate2's alone
_OPENAI_COMPUTE_TYPES = ("float32", "float16")


CPU_BATCH_ENV = "CALLQA_CPU_BATCH"


@dataclass(frozen=True)
class TranscriptionOptions:
    engine: str = "faster-whisper"
    model: str = "base"  # "base" = the bundled offline weights; or a hub name, or a local path
    language: str = "ru"
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    # beam 5: greedy is 1.4x faster but 3-5 WER points worse on the noisier held-out calls (README «Speed»)
    beam_size: int = 5
    # "auto": the channel that greets first is the seller; or "seller,client" / "client,seller"
    channel_roles: str = "auto"
    hotwords: str = ""
    # how the standard's vocabulary reaches Whisper: "off", "hotwords" (every
    # window) or "prompt" (initial prompt); off by default, see README «Speed»
    vocabulary_bias: str = "off"
    # speech regions closer than this belong to one turn (one utterance)
    turn_gap_s: float = 1.0
    # decode a stereo call's two channels at once, each on half the threads
    parallel_channels: bool = True
    # decode only the speech regions, joined by short silences (False: the whole channel)
    speech_regions_only: bool = True
    # CALLQA_CPU_BATCH: a channel's 30 s windows decoded this many at a time on the CPU through
    # faster-whisper's BatchedInferencePipeline (0: one after the other; a GPU always batches 8)
    cpu_batch: int = 0
    # CALLQA_WITHOUT_TIMESTAMPS: decode without Whisper's timestamp tokens (words are still
    # timed, by cross-attention alignment); the batched pipeline always does
    without_timestamps: bool = False
    # silence laid before the first speech region of the compacted audio: a window that opens on
    # speech at its very first sample makes Whisper skip seconds of it now and then (issue 14:
    # optika44 and muz44, 11 of 1470 truth turns got no word without it, 5 with it, and a point
    # of seller WER less; docs/accuracy.md)
    lead_silence_s: float = 0.5

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"CALLQA_ENGINE: unknown engine {self.engine!r}; expected one of {', '.join(ENGINES)}")
        if self.engine == "openai-whisper" and self.compute_type not in _OPENAI_COMPUTE_TYPES:
            raise ValueError(f"CALLQA_COMPUTE_TYPE: {self.compute_type!r} with openai-whisper; expected float32 or float16")
        if self.engine == "openai-whisper" and self.vocabulary_bias == "hotwords":
            raise ValueError("CALLQA_VOCABULARY_BIAS: openai-whisper has no hotwords; use prompt or off")
        if self.device not in ("cpu", "cuda"):
            raise ValueError(f"CALLQA_DEVICE: {self.device!r}; expected cpu or cuda")
        if self.channel_roles not in ("auto", "seller,client", "client,seller"):
            raise ValueError(
                f"CALLQA_CHANNEL_ROLES: {self.channel_roles!r}; expected auto, seller,client or client,seller"
            )
        if self.vocabulary_bias not in ("off", "hotwords", "prompt"):
            raise ValueError(f"CALLQA_VOCABULARY_BIAS: {self.vocabulary_bias!r}; expected off, hotwords or prompt")
        if self.beam_size < 1 or self.cpu_threads < 1:
            raise ValueError("CALLQA_BEAM_SIZE and CALLQA_THREADS must be at least 1")
        if self.cpu_batch < 0:
            raise ValueError(f"{CPU_BATCH_ENV}: {self.cpu_batch} is negative; expected 0 (off) or a batch size")

    def cache_key(self) -> str:
        """Identifies the options that change the words; threads and roles don't.

        Options added since the cache began count only when they differ from their default,
        so the transcripts cached with the defaults keep their key."""
        relevant = {k: v for k, v in asdict(self).items()
                    if k not in ("cpu_threads", "channel_roles", "parallel_channels")
                    and not (k in _KEYED_WHEN_SET and v == _KEYED_WHEN_SET[k])}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]

    def with_hotwords(self, hotwords: str) -> "TranscriptionOptions":
        return replace(self, hotwords=hotwords)


# fields that change the words but joined the cache key later: in the key only when not
# these defaults (the GPU's batching is already told apart by `device`)
_KEYED_WHEN_SET: dict[str, object] = {"cpu_batch": 0, "without_timestamps": False, "lead_silence_s": 0.0}


def cpu_batch_from_env() -> int:
    """`CALLQA_CPU_BATCH`, validated: a typo must not silently fall back to sequential decoding."""
    raw = os.environ.get(CPU_BATCH_ENV, "0").strip() or "0"
    try:
        size = int(raw)
    except ValueError:
        raise ValueError(f"{CPU_BATCH_ENV}: {raw!r} is not a whole number; expected 0 (off) or a batch size") from None
    if size < 0:
        raise ValueError(f"{CPU_BATCH_ENV}: {size} is negative; expected 0 (off) or a batch size")
    return size


def _flag_env(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    return default if raw == "" else raw not in ("0", "false", "no")


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}: expected an integer, got {raw!r}") from exc


def seconds_env(name: str, default: float, *, zero_allowed: bool = False) -> float:
    """A duration in seconds from the environment, checked where it is read: a typo names
    the variable instead of failing every call that uses it."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        seconds = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r}: not a number of seconds") from None
    if seconds < 0 or (seconds == 0 and not zero_allowed):
        raise ValueError(f"{name}={raw!r}: must be {'0 or more' if zero_allowed else 'more than 0'}")
    return seconds


def default_compute_type(engine: str, device: str) -> str:
    """float16 on a GPU; on a CPU int8 for CTranslate2, float32 for torch (which has no fast int8 path here)."""
    if device == "cuda":
        return "float16"
    return "float32" if engine == "openai-whisper" else "int8"


def options_from_env() -> TranscriptionOptions:
    env = os.environ.get
    engine, device = env("CALLQA_ENGINE", "faster-whisper"), env("CALLQA_DEVICE", "cpu")
    return TranscriptionOptions(
        engine=engine,
        model=env("CALLQA_WHISPER_MODEL", "base"),
        language=env("CALLQA_LANGUAGE", "ru"),
        device=device,
        compute_type=env("CALLQA_COMPUTE_TYPE") or default_compute_type(engine, device),
        cpu_threads=_int_env("CALLQA_THREADS", 2),
        beam_size=_int_env("CALLQA_BEAM_SIZE", 5),
        channel_roles=env("CALLQA_CHANNEL_ROLES", "auto"),
        vocabulary_bias=env("CALLQA_VOCABULARY_BIAS", "off"),
        parallel_channels=env("CALLQA_PARALLEL_CHANNELS", "1") not in ("0", "false", "no"),
        speech_regions_only=env("CALLQA_SPEECH_REGIONS_ONLY", "1") not in ("0", "false", "no"),
        cpu_batch=cpu_batch_from_env(),
        without_timestamps=_flag_env("CALLQA_WITHOUT_TIMESTAMPS", False),
    )
