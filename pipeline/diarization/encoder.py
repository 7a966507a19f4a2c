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
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from pipeline.audio import SAMPLE_RATE
from pipeline.diarization.legacy_checkpoint import load_legacy

# resemblyzer's hparams: 25 ms windows every 10 ms, 40 mel bands, 256-d LSTM
_N_FFT, _HOP, _N_MELS, _HIDDEN, _LAYERS = 400, 160, 40, 256, 3
# each window is brought to this loudness first, as resemblyzer's preprocess_wav does:
# its mel spectrogram is in power, not log, so loudness would otherwise move the voice print
_TARGET_DBFS = -30.0
_BATCH = 64  # windows per forward pass: bounds the memory whatever the call's length


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


@dataclass(frozen=True)
class _Weights:
    # per layer: W_ih^T, W_hh^T and b_ih + b_hh, their gate columns reordered to (input, forget,
    # output, cell) and the first three halved, so that one tanh gives every gate
    # (sigmoid(x) = (tanh(x / 2) + 1) / 2)
    layers: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]
    linear: tuple[np.ndarray, np.ndarray]  # W^T, b


@lru_cache(maxsize=1)
def _weights() -> _Weights:
    """The encoder's weights, read from the checkpoint without torch (`legacy_checkpoint`): torch's
    import alone took 1.6-2.3 s of a mono call's time here, more than the network's forward pass."""
    state = load_legacy(weights_path())["model_state"]
    h = _HIDDEN
    # PyTorch's gate order is (input, forget, cell, output)
    order = np.r_[0:2 * h, 3 * h:4 * h, 2 * h:3 * h]
    scale = np.r_[np.full(3 * h, 0.5), np.ones(h)].astype(np.float32)

    def gates(w: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(w[order].T * scale) if w.ndim == 2 else w[order] * scale

    layers = tuple((gates(state[f"lstm.weight_ih_l{k}"]), gates(state[f"lstm.weight_hh_l{k}"]),
                    gates(state[f"lstm.bias_ih_l{k}"] + state[f"lstm.bias_hh_l{k}"])) for k in range(_LAYERS))
    return _Weights(layers, (np.ascontiguousarray(state["linear.weight"].T), state["linear.bias"]))


def _forward(mels: np.ndarray, lengths: np.ndarray, weights: _Weights) -> np.ndarray:
    """resemblyzer's network on a padded batch (pieces × frames × mels): a 3-layer LSTM whose last
    layer's state at each piece's own last frame goes through a linear layer, a ReLU and an L2 norm."""
    batch, frames, _ = mels.shape
    x = mels
    last = np.zeros((batch, _HIDDEN), dtype=np.float32)
    three = 3 * _HIDDEN
    for k, (w_ih, w_hh, bias) in enumerate(weights.layers):
        projected = x @ w_ih + bias  # every frame's input at once; the recurrence is what stays serial
        h = np.zeros((batch, _HIDDEN), dtype=np.float32)
        c = np.zeros((batch, _HIDDEN), dtype=np.float32)
        out = np.empty((batch, frames, _HIDDEN), dtype=np.float32) if k < _LAYERS - 1 else None
        for t in range(frames):
            act = np.tanh(projected[:, t] + h @ w_hh)
            sig = (act[:, :three] + 1.0) * 0.5
            c = sig[:, _HIDDEN:2 * _HIDDEN] * c + sig[:, :_HIDDEN] * act[:, three:]
            h = sig[:, 2 * _HIDDEN:] * np.tanh(c)
            if out is not None:
                out[:, t] = h
            else:
                ends = lengths == t + 1
                last[ends] = h[ends]
        if out is not None:
            x = out
    raw = np.maximum(last @ weights.linear[0] + weights.linear[1], 0.0)
    return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-9)


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

    Each print is the state at the piece's own last frame, so no padding is heard; batches of
    `_BATCH` pieces of similar length keep the memory bounded and the padding short."""
    if not pieces:
        return np.zeros((0, _HIDDEN), dtype=np.float32)
    if any(len(p) == 0 for p in pieces):
        raise ValueError("a voice print needs at least one mel frame")
    weights = _weights()
    out = np.zeros((len(pieces), _HIDDEN), dtype=np.float32)
    order = np.argsort([len(p) for p in pieces], kind="stable")
    for i in range(0, len(pieces), _BATCH):
        chosen = order[i:i + _BATCH]
        lengths = np.array([len(pieces[j]) for j in chosen])
        mels = np.zeros((len(chosen), int(lengths.max()), _N_MELS), dtype=np.float32)
        for row, j in enumerate(chosen):
            mels[row, :lengths[row]] = pieces[j]
        out[chosen] = _forward(mels, lengths, weights)
    return out
