"""Speaker embeddings from Resemblyzer's voice encoder, offline.

The `resemblyzer` wheel ships its trained encoder (`pretrained.pt`, 17 MB: a 3-layer
LSTM over 40 mel bands giving a 256-d voice print), so nothing is downloaded at run
time. Only the weights file is used: importing the package itself pulls `webrtcvad`,
whose `pkg_resources` import fails on setuptools 81+, and its trimming and volume
steps are ours to choose. The network and its features are the package's own
(`resemblyzer/voice_encoder.py`, `audio.wav_to_mel_spectrogram`), so the embeddings
are the ones the model was trained for.
"""

from __future__ import annotations

import importlib.util
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE

# resemblyzer's hparams: 25 ms windows every 10 ms, 40 mel bands, 256-d LSTM
_N_FFT, _HOP, _N_MELS, _HIDDEN, _LAYERS = 400, 160, 40, 256, 3
# each window is brought to this loudness first, as resemblyzer's preprocess_wav does:
# its mel spectrogram is in power, not log, so loudness would otherwise move the voice print
_TARGET_DBFS = -30.0
_BATCH = 64  # windows per forward pass: bounds the memory whatever the call's length
_lock = threading.Lock()


class EncoderMissing(RuntimeError):
    """The speaker encoder's package is not installed."""


def weights_path() -> Path:
    spec = importlib.util.find_spec("resemblyzer")
    if spec is None or not spec.submodule_search_locations:
        raise EncoderMissing("diarization of mono calls needs the package resemblyzer==0.1.4 "
                             "(pip install 'callqa[openai]', or make setup)")
    path = Path(next(iter(spec.submodule_search_locations))) / "pretrained.pt"
    if not path.exists():
        raise EncoderMissing(f"{path}: resemblyzer's encoder weights are missing; reinstall resemblyzer==0.1.4")
    return path


@lru_cache(maxsize=1)
def _model():  # -> torch.nn.Module; torch imported here so stereo-only runs never pay for it
    import torch
    from torch import nn

    class VoiceEncoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(_N_MELS, _HIDDEN, _LAYERS, batch_first=True)
            self.linear = nn.Linear(_HIDDEN, _HIDDEN)

        def forward(self, mels: torch.Tensor) -> torch.Tensor:
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.norm(raw, dim=1, keepdim=True).clamp_min(1e-9)

    model = VoiceEncoder()
    checkpoint = torch.load(weights_path(), map_location="cpu", weights_only=True)
    # strict=False as resemblyzer loads it: the checkpoint also holds a training-only similarity scale
    model.load_state_dict(checkpoint["model_state"], strict=False)
    model.eval()
    return model


def mel_frames(samples: np.ndarray) -> np.ndarray:
    """resemblyzer's features: the power mel spectrogram, frames × 40 (one frame per 10 ms)."""
    import librosa

    mel = librosa.feature.melspectrogram(y=samples.astype(np.float32), sr=SAMPLE_RATE, n_fft=_N_FFT,
                                         hop_length=_HOP, n_mels=_N_MELS)
    return mel.astype(np.float32).T


def loudness_gain(samples: np.ndarray) -> float:
    """The power factor that brings `samples` to `_TARGET_DBFS`, as resemblyzer normalises each
    utterance: its mel is in power, not log, so loudness would otherwise move the voice print."""
    rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if len(samples) else 0.0
    return (10 ** (_TARGET_DBFS / 20) / rms) ** 2 if rms > 1e-6 else 1.0


def embed_spans(samples: np.ndarray, regions: list[tuple[float, float]],
                spans: list[tuple[int, float, float]]) -> np.ndarray:
    """Voice prints of `spans` (region index, start, end in seconds) of `samples`.

    Each region's mel spectrogram is computed once and the overlapping windows are cut
    from it (a window's own loudness applied as a factor), so the features cost one pass
    over the speech whatever the windows' overlap."""
    pieces: list[np.ndarray] = []
    current, mel, origin = -1, np.zeros((0, _N_MELS), dtype=np.float32), 0.0
    for region, start, end in spans:
        if region != current:
            current, origin = region, regions[region][0]
            mel = mel_frames(samples[int(origin * SAMPLE_RATE):int(regions[region][1] * SAMPLE_RATE)])
        a = int(round((start - origin) * SAMPLE_RATE / _HOP))
        b = max(a + 1, int(round((end - origin) * SAMPLE_RATE / _HOP)))
        gain = loudness_gain(samples[int(start * SAMPLE_RATE):int(end * SAMPLE_RATE)])
        pieces.append(mel[a:b] * np.float32(gain))
    return embed_mels(pieces)


def embed_mels(pieces: list[np.ndarray]) -> np.ndarray:
    """One L2-normed 256-d voice print per mel spectrogram, of any length.

    Pieces go through the LSTM packed (`pack_padded_sequence`), so each print is the
    state at the piece's own last frame and no padding is heard; batches of `_BATCH`
    keep the memory bounded however long the call."""
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

    if not pieces:
        return np.zeros((0, _HIDDEN), dtype=np.float32)
    model = _model()
    out = np.zeros((len(pieces), _HIDDEN), dtype=np.float32)
    with _lock, torch.inference_mode():  # one model per process, shared by the channels' threads
        for i in range(0, len(pieces), _BATCH):
            mels = [torch.from_numpy(np.ascontiguousarray(p)) for p in pieces[i:i + _BATCH]]
            lengths = torch.tensor([len(m) for m in mels])
            packed = pack_padded_sequence(pad_sequence(mels, batch_first=True), lengths, batch_first=True,
                                          enforce_sorted=False)
            out[i:i + len(mels)] = model(packed).numpy()
    return out
