"""Start-up: each command imports only what it needs (issue 20). No timing asserts here:
`callqa bench --startup` measures the times; these tests guard the imports behind them."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# seconds each to import on a 2-core machine, and none of them needed to print help or add a user
HEAVY = ("faster_whisper", "ctranslate2", "torch", "whisper", "spacy", "prefect", "matplotlib")
# the CLI in a fresh interpreter, as the `callqa` script starts it; then what it imported
PROBE = """
import json, sys
from pipeline.cli import app
try:
    app(sys.argv[1:], prog_name="callqa")
except SystemExit as exc:
    code = exc.code or 0
print(json.dumps({"code": code, "heavy": [m for m in %r if m in sys.modules]}))
""" % (HEAVY,)


def imported_by(args: list[str], stdin: str = "") -> tuple[int, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.stdout.strip(), done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], set(result["heavy"])


@pytest.mark.parametrize("args", [["--help"], ["user", "--help"], ["analyze", "--help"]])
def test_help_imports_nothing_heavy(args):
    code, heavy = imported_by(args)
    assert code == 0 and heavy == set()


def test_user_add_imports_nothing_heavy(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.db'}"
    code, heavy = imported_by(["user", "add", "ann", "--role", "qa_lead", "--password-stdin", "--db", url],
                              stdin="a long enough password\n")
    assert code == 0 and heavy == set()


def test_analyze_loads_spacy_without_torch_or_the_batch(tmp_path):
    """The checks need spaCy, but not the torch that thinc would import with it, nor Prefect or matplotlib."""
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    code, heavy = imported_by(["analyze", str(empty)])
    assert code == 1  # the file is reported, after the standard and its checks were loaded
    assert "spacy" in heavy and not heavy & {"torch", "prefect", "matplotlib"}


def test_client_history_does_not_bring_torch(tmp_path):
    code, heavy = imported_by(["client", "89161112233", "--db", f"sqlite:///{tmp_path / 'h.db'}"])
    assert code == 0 and not heavy & {"torch", "prefect", "matplotlib"}
