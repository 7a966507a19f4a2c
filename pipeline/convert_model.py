"""`callqa convert-model`: the bundled CTranslate2 Whisper as an openai-whisper checkpoint.

The two engines then run offline on identical weights, so comparing them
compares the engines only. CTranslate2's Whisper tensors map one to one onto
openai-whisper's `state_dict` (DESIGN.md §4): the fused attention projections
are split (query, key, value; the key has no bias, CTranslate2 stores zeros
for it) and the output projection is the token embedding (an alias).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from pipeline.ct2_format import CT2FormatError, CT2Model, read_ct2_model
from pipeline.model_store import BUNDLED_MODEL_SHA256, bundled_model_dir, cache_root

# named after the bundled weights' hash, so new weights never meet a stale conversion
CHECKPOINT_NAME = "whisper-base-" + BUNDLED_MODEL_SHA256[:12] + "-openai-{precision}.pt"
_NORM = {"gamma": "weight", "beta": "bias"}
# CTranslate2 block part -> openai-whisper block part (pre-norm residual blocks)
_ATTENTION = {"self_attention": "attn", "attention": "cross_attn"}
_LAYER_NORMS = {"self_attention": "attn_ln", "attention": "cross_attn_ln", "ffn": "mlp_ln"}


@dataclass(frozen=True)
class ModelDims:
    """openai-whisper's `ModelDimensions`, read off the tensors."""

    n_mels: int
    n_audio_ctx: int
    n_audio_state: int
    n_audio_head: int
    n_audio_layer: int
    n_vocab: int
    n_text_ctx: int
    n_text_state: int
    n_text_head: int
    n_text_layer: int


def default_checkpoint(precision: str = "fp16") -> Path:
    return cache_root() / "models" / CHECKPOINT_NAME.format(precision=precision)


def _layers(model: CT2Model, side: str) -> int:
    return len({m.group(1) for name in model.variables if (m := re.match(rf"{side}/layer_(\d+)/", name))})


def model_dims(model: CT2Model) -> ModelDims:
    audio_pos, text_pos = model.get("encoder/position_encodings/encodings"), model.get("decoder/position_encodings/encodings")
    embeddings = model.get("decoder/embeddings/weight")
    return ModelDims(
        n_mels=int(model.get("encoder/conv1/weight").shape[1]), n_audio_ctx=int(audio_pos.shape[0]),
        n_audio_state=int(audio_pos.shape[1]), n_audio_head=int(model.get("encoder/num_heads")),
        n_audio_layer=_layers(model, "encoder"), n_vocab=int(embeddings.shape[0]), n_text_ctx=int(text_pos.shape[0]),
        n_text_state=int(embeddings.shape[1]), n_text_head=int(model.get("decoder/num_heads")),
        n_text_layer=_layers(model, "decoder"),
    )


def _split(prefix: str, weight: np.ndarray, bias: np.ndarray, parts: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Split a fused projection (rows stacked in `parts` order); the key never has a bias."""
    out: dict[str, np.ndarray] = {}
    for part, w, b in zip(parts, np.split(weight, len(parts)), np.split(bias, len(parts))):
        out[f"{prefix}.{part}.weight"] = w
        if part != "key":
            out[f"{prefix}.{part}.bias"] = b
    return out


def _block(model: CT2Model, src: str, dst: str) -> dict[str, np.ndarray]:
    get = model.get
    out: dict[str, np.ndarray] = {}
    for part, ln in _LAYER_NORMS.items():
        if f"{src}/{part}/layer_norm/gamma" in model.variables:
            for ct2, torch_name in _NORM.items():
                out[f"{dst}.{ln}.{torch_name}"] = get(f"{src}/{part}/layer_norm/{ct2}")
    for part, attn in _ATTENTION.items():
        base = f"{src}/{part}"
        if f"{base}/linear_0/weight" not in model.variables:
            continue
        if part == "self_attention":  # linear_0 = [q; k; v], linear_1 = out
            out |= _split(f"{dst}.{attn}", get(f"{base}/linear_0/weight"), get(f"{base}/linear_0/bias"),
                          ("query", "key", "value"))
            out_proj = "linear_1"
        else:  # cross-attention: linear_0 = q, linear_1 = [k; v] over the audio, linear_2 = out
            out[f"{dst}.{attn}.query.weight"] = get(f"{base}/linear_0/weight")
            out[f"{dst}.{attn}.query.bias"] = get(f"{base}/linear_0/bias")
            out |= _split(f"{dst}.{attn}", get(f"{base}/linear_1/weight"), get(f"{base}/linear_1/bias"), ("key", "value"))
            out_proj = "linear_2"
        out[f"{dst}.{attn}.out.weight"] = get(f"{base}/{out_proj}/weight")
        out[f"{dst}.{attn}.out.bias"] = get(f"{base}/{out_proj}/bias")
    for i, layer in (("linear_0", "0"), ("linear_1", "2")):  # mlp = Linear, GELU, Linear
        out[f"{dst}.mlp.{layer}.weight"] = get(f"{src}/ffn/{i}/weight")
        out[f"{dst}.mlp.{layer}.bias"] = get(f"{src}/ffn/{i}/bias")
    return out


def openai_state_dict(model: CT2Model) -> dict[str, np.ndarray]:
    """openai-whisper's `state_dict`, as numpy arrays in the stored precision."""
    if model.spec != "WhisperSpec":
        raise CT2FormatError(f"spec {model.spec!r}: only WhisperSpec models convert to openai-whisper")
    if "decoder/projection/weight" in model.variables:
        # an untied projection has nowhere to go: openai-whisper multiplies by the embedding
        raise CT2FormatError("decoder/projection/weight: not tied to the token embedding")
    get = model.get
    dims = model_dims(model)
    state: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        for p in ("weight", "bias"):
            state[f"encoder.{conv}.{p}"] = get(f"encoder/{conv}/{p}")
    state["encoder.positional_embedding"] = get("encoder/position_encodings/encodings")
    for i in range(dims.n_audio_layer):
        state |= _block(model, f"encoder/layer_{i}", f"encoder.blocks.{i}")
    state["decoder.token_embedding.weight"] = get("decoder/embeddings/weight")
    state["decoder.positional_embedding"] = get("decoder/position_encodings/encodings")
    for i in range(dims.n_text_layer):
        state |= _block(model, f"decoder/layer_{i}", f"decoder.blocks.{i}")
    for side, ln in (("encoder", "encoder.ln_post"), ("decoder", "decoder.ln")):
        for ct2, torch_name in _NORM.items():
            state[f"{ln}.{torch_name}"] = get(f"{side}/layer_norm/{ct2}")
    return state


def alignment_heads(config_path: Path, dims: ModelDims) -> str:
    """The cross-attention heads that time words, in openai-whisper's own encoding
    (gzip, then base85, of a layers × heads boolean mask); without them it would
    guess from the upper half of the layers, and word times would be worse."""
    try:
        pairs = json.loads(config_path.read_text(encoding="utf-8"))["alignment_heads"]
    except (OSError, KeyError, json.JSONDecodeError) as exc:
        raise CT2FormatError(f"{config_path}: alignment_heads: {exc}") from exc
    mask = np.zeros((dims.n_text_layer, dims.n_text_head), dtype=bool)
    for layer, head in pairs:
        mask[layer, head] = True
    return base64.b85encode(gzip.compress(mask.tobytes())).decode("ascii")


def convert(model_dir: Path, out: Path, precision: str = "fp16") -> Path:
    """Write `{"dims", "model_state_dict", "alignment_heads"}` for `whisper.load_model(out)`."""
    import torch

    if precision not in ("fp16", "fp32"):
        raise ValueError(f"precision: {precision!r}; expected fp16 or fp32")
    model = read_ct2_model(model_dir / "model.bin")
    dims = model_dims(model)
    dtype = torch.float16 if precision == "fp16" else torch.float32
    state = {name: torch.from_numpy(array.copy()).to(dtype) for name, array in openai_state_dict(model).items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    # a name of its own, so two processes converting at once never write one file
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.name, suffix=".partial")
    os.close(fd)
    partial = Path(tmp)
    torch.save({"dims": asdict(dims), "model_state_dict": state,
                "alignment_heads": alignment_heads(model_dir / "config.json", dims)}, partial)
    partial.replace(out)  # a reader never sees half a checkpoint
    return out


def bundled_checkpoint(precision: str = "fp16") -> Path:
    """The bundled weights as an openai-whisper checkpoint, converted on first use."""
    out = default_checkpoint(precision)
    if not out.exists():
        convert(bundled_model_dir(), out, precision)
    return out
