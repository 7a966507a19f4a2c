"""`NAME.meta.json` sidecars: the documented keys load, anything else names the file and the key."""

import json
import textwrap
from datetime import datetime, timedelta, timezone

import pytest

import pipeline.phone.sidecar as sidecar_module
from pipeline.phone.errors import MetadataError
from pipeline.phone.sidecar import load_sidecar, sidecar_path

# the example in sidecar.py's docstring, so the documentation cannot go stale
FULL = {**json.loads(textwrap.dedent(sidecar_module.__doc__.split("Example:\n\n", 1)[1].split("\n\n", 1)[0])),
        "agent_id": "anna.p"}
MINIMAL = {k: FULL[k] for k in ("call_id", "started_at", "direction", "caller", "callee", "agent_id")}


def write(tmp_path, data, name="call-0042.meta.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_sidecar_sits_next_to_the_recording(tmp_path):
    assert sidecar_path(tmp_path / "call-0042.wav") == tmp_path / "call-0042.meta.json"


def test_the_documented_example_with_every_key(tmp_path):
    side = load_sidecar(write(tmp_path, FULL))
    assert side.started_at == datetime(2023, 11, 5, 10, 15, tzinfo=timezone(timedelta(hours=3)))
    assert (side.direction, side.extension, side.seller, side.ring_s) == ("inbound", "101", "Анна Петрова", 12.5)
    assert side.channel_roles == "client,seller"


def test_minimal_sidecar_and_numbers_written_without_quotes(tmp_path):
    side = load_sidecar(write(tmp_path, {**MINIMAL, "caller": 79161234567, "extension": 101}))
    assert (side.caller, side.extension, side.seller, side.disposition) == ("79161234567", "101", None, None)


def test_no_sidecar_is_not_an_error(tmp_path):
    assert load_sidecar(tmp_path / "call-0042.meta.json") is None


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({k: v for k, v in MINIMAL.items() if k != "started_at"}, "started_at", "Field required"),
        ({**MINIMAL, "started_at": "вчера"}, "started_at", "valid datetime"),
        ({**MINIMAL, "direction": "incoming"}, "direction", "'inbound', 'outbound' or 'internal'"),
        ({**MINIMAL, "disposition": "OK"}, "disposition", "'ANSWERED'"),
        ({**MINIMAL, "ring_s": -1}, "ring_s", "greater than or equal to 0"),
        ({**MINIMAL, "channel_roles": "left,right"}, "channel_roles", "'seller,client' or 'client,seller'"),
        ({**MINIMAL, "sellr": "Анна"}, "sellr", "Extra inputs are not permitted"),
        ({k: v for k, v in MINIMAL.items() if k != "agent_id"}, "(top level)", "give extension or agent_id"),
        ([MINIMAL], "(top level)", "expected a mapping, got list"),
        ('{"call_id": "x",', "line 1 column 17", "not valid JSON"),
    ],
    ids=["missing", "bad-date", "direction", "disposition", "ring", "roles", "typo", "nobody", "list", "json"],
)
def test_broken_sidecar_names_the_file_and_the_key(tmp_path, data, field, message):
    path = write(tmp_path, data)
    with pytest.raises(MetadataError) as exc:
        load_sidecar(path)
    assert exc.value.source == str(path) and exc.value.field == field
    assert message in exc.value.reason
