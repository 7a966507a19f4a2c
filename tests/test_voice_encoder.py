"""The speaker encoder runs on numpy from resemblyzer's own checkpoint, read without torch: the same
voice prints as resemblyzer's torch network, and no torch import on the mono path."""

from __future__ import annotations

import subprocess
import sys
from collections import OrderedDict

import numpy as np
import pytest

from pipeline.diarization.legacy_checkpoint import CheckpointError, load_legacy


def test_a_legacy_checkpoint_is_read_without_torch_as_torch_wrote_it(tmp_path):
    torch = pytest.importorskip("torch")
    state = OrderedDict(w=torch.arange(12, dtype=torch.float32).reshape(3, 4), b=torch.tensor([1.5, -2.0]),
                        t=torch.arange(6, dtype=torch.float32).reshape(2, 3).T)  # a non-contiguous view
    path = tmp_path / "legacy.pt"
    torch.save({"model_state": state, "step": 7}, path, _use_new_zipfile_serialization=False)
    loaded = load_legacy(path)
    assert loaded["step"] == 7
    for name, tensor in state.items():
        np.testing.assert_array_equal(loaded["model_state"][name], tensor.numpy())


def test_a_file_that_is_no_legacy_checkpoint_is_refused_by_name(tmp_path):
    path = tmp_path / "new.pt"
    path.write_bytes(b"PK\x03\x04 not a pickle")
    with pytest.raises(CheckpointError, match="new.pt: not a legacy PyTorch checkpoint"):
        load_legacy(path)


def test_the_numpy_encoder_gives_resemblyzers_voice_prints():
    torch = pytest.importorskip("torch")
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

    from pipeline.diarization.encoder import embed_mels, weights_path

    class VoiceEncoder(nn.Module):  # resemblyzer/voice_encoder.py's network
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(40, 256, 3, batch_first=True)
            self.linear = nn.Linear(256, 256)

        def forward(self, mels):
            _, (hidden, _) = self.lstm(mels)
            raw = torch.relu(self.linear(hidden[-1]))
            return raw / torch.norm(raw, dim=1, keepdim=True)

    model = VoiceEncoder()
    checkpoint = torch.load(weights_path(), map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model_state"], strict=False)
    rng = np.random.default_rng(0)
    pieces = [np.abs(rng.normal(0, 1, (n, 40))).astype(np.float32) for n in rng.integers(5, 121, 70)]
    with torch.inference_mode():
        mels = [torch.from_numpy(p) for p in pieces]
        packed = pack_padded_sequence(pad_sequence(mels, batch_first=True), torch.tensor([len(m) for m in mels]),
                                      batch_first=True, enforce_sorted=False)
        expected = model(packed).numpy()
    np.testing.assert_allclose(embed_mels(pieces), expected, atol=1e-5)


def test_voice_prints_need_no_torch():
    code = ("import sys, numpy as np\n"
            "from pipeline.diarization.encoder import embed_mels\n"
            "prints = embed_mels([np.ones((50, 40), dtype=np.float32)])\n"
            "assert prints.shape == (1, 256) and abs(float(np.linalg.norm(prints)) - 1) < 1e-5\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_checkpoint_naming_any_other_class_is_refused(tmp_path):
    import pickle

    path = tmp_path / "tampered.pt"
    path.write_bytes(pickle.dumps(print))  # a pickle that would fetch a builtin: plain pickle runs it
    with pytest.raises(CheckpointError, match="tampered.pt"):
        load_legacy(path)
