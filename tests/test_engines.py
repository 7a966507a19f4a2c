"""Engine selection, the CTranslate2 reader and the converter's name mapping (no model needed)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from pipeline.convert_model import model_dims, openai_state_dict
from pipeline.ct2_format import CT2FormatError, CT2Model, read_ct2_model
from pipeline.engines.faster import windows
from pipeline.flow import gpu_slot
from pipeline.settings import TranscriptionOptions, options_from_env


def _string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def write_ct2(path: Path, variables: dict[str, np.ndarray], aliases: dict[str, str], version: int = 6) -> Path:
    """The layout of CTranslate2's `ModelSpec._serialize`."""
    type_ids = {"float32": 0, "int8": 1, "int16": 2, "int32": 3, "float16": 4}
    out = struct.pack("<I", version) + _string("WhisperSpec") + struct.pack("<I", 3) + struct.pack("<I", len(variables))
    for name, value in variables.items():
        out += _string(name) + struct.pack("<B", value.ndim) + b"".join(struct.pack("<I", d) for d in value.shape)
        out += struct.pack("<B", type_ids[value.dtype.name]) + struct.pack("<I", value.nbytes) + value.tobytes()
    out += struct.pack("<I", len(aliases)) + b"".join(_string(a) + _string(t) for a, t in aliases.items())
    path.write_bytes(out)
    return path


def tiny_whisper(state: int = 4, layers: int = 1) -> dict[str, np.ndarray]:
    """A one-layer Whisper in CTranslate2's names, every tensor numbered so splits can be checked."""
    rng = np.random.default_rng(0)

    def t(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float16)

    v: dict[str, np.ndarray] = {
        "encoder/num_heads": np.array(2, dtype=np.int16), "decoder/num_heads": np.array(2, dtype=np.int16),
        "encoder/conv1/weight": t(state, 3, 3), "encoder/conv1/bias": t(state),
        "encoder/conv2/weight": t(state, state, 3), "encoder/conv2/bias": t(state),
        "encoder/position_encodings/encodings": t(6, state), "decoder/position_encodings/encodings": t(5, state),
        "decoder/embeddings/weight": t(10, state),
    }
    for side in ("encoder", "decoder"):
        v[f"{side}/layer_norm/gamma"], v[f"{side}/layer_norm/beta"] = t(state), t(state)
        for i in range(layers):
            parts = ["self_attention", "ffn"] + (["attention"] if side == "decoder" else [])
            for part in parts:
                v[f"{side}/layer_{i}/{part}/layer_norm/gamma"] = t(state)
                v[f"{side}/layer_{i}/{part}/layer_norm/beta"] = t(state)
            v[f"{side}/layer_{i}/self_attention/linear_0/weight"] = t(3 * state, state)
            v[f"{side}/layer_{i}/self_attention/linear_0/bias"] = t(3 * state)
            v[f"{side}/layer_{i}/self_attention/linear_1/weight"] = t(state, state)
            v[f"{side}/layer_{i}/self_attention/linear_1/bias"] = t(state)
            v[f"{side}/layer_{i}/ffn/linear_0/weight"], v[f"{side}/layer_{i}/ffn/linear_0/bias"] = t(8, state), t(8)
            v[f"{side}/layer_{i}/ffn/linear_1/weight"], v[f"{side}/layer_{i}/ffn/linear_1/bias"] = t(state, 8), t(state)
            if side == "decoder":
                for n, rows in ((0, state), (1, 2 * state), (2, state)):
                    v[f"decoder/layer_{i}/attention/linear_{n}/weight"] = t(rows, state)
                    v[f"decoder/layer_{i}/attention/linear_{n}/bias"] = t(rows)
    return v


def test_reader_round_trips_the_layout(tmp_path):
    variables = tiny_whisper()
    model = read_ct2_model(write_ct2(tmp_path / "model.bin", variables, {"decoder/projection/weight": "decoder/embeddings/weight"}))
    assert model.spec == "WhisperSpec" and model.revision == 3
    assert set(model.variables) == set(variables)
    assert np.array_equal(model.get("decoder/projection/weight"), variables["decoder/embeddings/weight"])
    assert int(model.get("encoder/num_heads")) == 2


def test_reader_names_the_file_and_the_field(tmp_path):
    path = write_ct2(tmp_path / "model.bin", tiny_whisper(), {})
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(CT2FormatError, match=r"model\.bin: truncated at byte \d+ while reading "):
        read_ct2_model(path)
    with pytest.raises(CT2FormatError, match="binary version 5"):
        read_ct2_model(write_ct2(tmp_path / "old.bin", tiny_whisper(), {}, version=5))


def test_fused_projections_are_split_and_the_key_has_no_bias(tmp_path):
    variables = tiny_whisper()
    state = openai_state_dict(CT2Model("WhisperSpec", 3, variables, {"decoder/projection/weight": "decoder/embeddings/weight"}))
    qkv = variables["encoder/layer_0/self_attention/linear_0/weight"]
    assert np.array_equal(state["encoder.blocks.0.attn.query.weight"], qkv[:4])
    assert np.array_equal(state["encoder.blocks.0.attn.key.weight"], qkv[4:8])
    assert np.array_equal(state["encoder.blocks.0.attn.value.weight"], qkv[8:])
    assert "encoder.blocks.0.attn.key.bias" not in state
    kv = variables["decoder/layer_0/attention/linear_1/weight"]
    assert np.array_equal(state["decoder.blocks.0.cross_attn.key.weight"], kv[:4])
    assert np.array_equal(state["decoder.blocks.0.cross_attn.value.bias"], variables["decoder/layer_0/attention/linear_1/bias"][4:])
    assert np.array_equal(state["decoder.blocks.0.mlp.2.weight"], variables["decoder/layer_0/ffn/linear_1/weight"])
    assert "decoder.blocks.0.cross_attn_ln.weight" in state and "encoder.ln_post.bias" in state
    dims = model_dims(CT2Model("WhisperSpec", 3, variables, {}))
    assert (dims.n_mels, dims.n_audio_ctx, dims.n_text_ctx, dims.n_vocab, dims.n_text_layer) == (3, 6, 5, 10, 1)


def test_engine_settings_are_checked_by_name(monkeypatch):
    with pytest.raises(ValueError, match="CALLQA_ENGINE"):
        TranscriptionOptions(engine="whisper.cpp")
    with pytest.raises(ValueError, match="CALLQA_COMPUTE_TYPE: 'int8' with openai-whisper"):
        TranscriptionOptions(engine="openai-whisper", compute_type="int8")
    with pytest.raises(ValueError, match="CALLQA_VOCABULARY_BIAS"):
        TranscriptionOptions(engine="openai-whisper", compute_type="float32", vocabulary_bias="hotwords")
    monkeypatch.setenv("CALLQA_ENGINE", "openai-whisper")
    monkeypatch.delenv("CALLQA_COMPUTE_TYPE", raising=False)
    assert options_from_env().compute_type == "float32"  # torch's CPU type, not CTranslate2's int8
    monkeypatch.setenv("CALLQA_DEVICE", "cuda")
    assert options_from_env().compute_type == "float16"


def test_gpu_windows_are_cut_in_the_joining_silences():
    samples = np.ones(16000 * 70, dtype=np.float32)
    samples[16000 * 20:16000 * 21] = 0  # a joining silence
    samples[100] = 0  # a zero crossing inside speech is no place to cut
    cuts = windows(samples)
    assert [round(w["end"], 2) for w in cuts] == [20.5, 50.5, 70.0]
    assert all(w["end"] - w["start"] <= 30 for w in cuts)


def test_the_cpu_path_takes_no_gpu_slot(monkeypatch):
    import pipeline.flow as flow

    monkeypatch.setattr(flow, "concurrency", lambda *a, **k: pytest.fail("a CPU run took a GPU slot"))
    with gpu_slot(TranscriptionOptions()):
        pass


def test_default_rule_is_the_fastest_within_a_point_on_each_channel():
    from pipeline.bench_engines import CONFIGS, Row, default_choice

    by_label = {c.label: c for c in CONFIGS}

    def row(label: str, rtf: float, seller: float, client: float) -> Row:
        return Row(by_label[label], 14, 1000.0, rtf * 1000.0, 900.0, seller, client)

    rows = [
        row("faster-whisper int8 (default)", 0.043, 0.233, 0.298),
        row("int8 greedy", 0.030, 0.251, 0.294),  # faster, but 2 points worse on the seller's words
        row("int8 1 thread", 0.067, 0.230, 0.298),
        row("int8 whole channel", 0.060, 0.291, 0.377),
        row("int8 two calls at once (1 thread each)", 0.039, 0.233, 0.298),  # two workers: a deployment
    ]
    assert default_choice(rows)[0].config.label == "faster-whisper int8 (default)"
    # greedy within a point on both channels: the faster one wins
    assert default_choice([rows[0], row("int8 greedy", 0.030, 0.235, 0.294)])[0].config.label == "int8 greedy"


def test_default_rule_lets_the_seller_decide_when_no_row_is_near_best_on_both_channels():
    """bench-engines --only "openai-whisper fp32" --only "(default)" once lost its table here (issue 20)."""
    from pipeline.bench_engines import CONFIGS, Row, default_choice, footer

    by_label = {c.label: c for c in CONFIGS}
    rows = [Row(by_label["openai-whisper fp32"], 6, 333.0, 170.0, 1500.0, 0.119, 0.160),
            Row(by_label["faster-whisper int8 (default)"], 6, 333.0, 35.0, 600.0, 0.138, 0.133),
            Row(by_label["int8 greedy"], 6, 333.0, 25.0, 600.0, 0.170, 0.150)]
    chosen, rule = default_choice(rows)
    assert chosen.config.label == "openai-whisper fp32" and "seller" in rule
    assert "**openai-whisper fp32**" in footer(rows)
    assert default_choice(rows[1:2])[0] is rows[1]  # one row is always its own best


def test_machine_line_names_the_cpu_and_its_vector_flags():
    from pipeline.machine import cpu_line

    info = ("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx avx2 fma\n\n"
            "processor\t: 1\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 avx avx2 fma\n")
    assert cpu_line(info).startswith("AMD EPYC 7B13, ") and cpu_line(info).endswith(", avx2")
    xeon = "model name\t: Intel Xeon\nflags\t\t: avx2 avx512f avx512bw avx512_vnni amx_int8 avx_vnni\n"
    assert cpu_line(xeon).endswith("amx_int8 avx2 avx512_vnni avx512bw avx512f avx_vnni")
    assert cpu_line("model name\t: Old\nflags\t\t: sse2 avx\n").endswith("no AVX2 or AVX-512")
