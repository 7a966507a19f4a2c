# The two commands of the README: `make run` and `make test`.
# Both build the virtual environment in .venv first (idempotent).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: setup run test postgres tools

$(BIN)/.callqa-installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,openai]'
	# openai-whisper pulls triton (1 GB) for its CUDA kernels; on a CPU it is never imported
	$(BIN)/python -c "import torch, sys; sys.exit(torch.cuda.is_available())" && $(BIN)/pip uninstall --quiet -y triton || true
	$(BIN)/callqa model-path
	touch $@

setup: $(BIN)/.callqa-installed

run: setup
	$(BIN)/callqa run

postgres:
	@bash tests/ensure_postgres.sh

# sox and ffmpeg write the phone-system formats tests/test_audio_formats.py decodes;
# pdftoppm (poppler-utils) turns the scorecard PDFs into images in tests/test_scorecard_render.py;
# Debian's chromium is the browser Playwright drives in tests/test_review_browser.py
tools:
	@command -v sox >/dev/null && command -v ffmpeg >/dev/null && command -v pdftoppm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sox libsox-fmt-all ffmpeg poppler-utils; }
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

test: setup postgres tools
	$(BIN)/python -m pytest
