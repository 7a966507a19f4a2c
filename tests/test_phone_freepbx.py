"""FreePBX recording names, as found under the monitor folder's YYYY/MM/DD tree."""

from datetime import datetime

import pytest

from pipeline.phone.errors import MetadataError
from pipeline.phone.freepbx import parse_recording_name

# name -> (kind, direction, did, queue, ring_group, extension, client, leg, leg_role)
NAMES = {
    "in-74951234567-89161234567-20231105-101500-1699168500.42.wav":
        ("in", "inbound", "74951234567", None, None, None, "+79161234567", None, None),
    "in-s-+79161234567-20231105-101500-1699168500.42.wav":  # catch-all inbound route
        ("in", "inbound", None, None, None, None, "+79161234567", None, None),
    "q-600-9161234567-20231105-101500-1699168500.42.WAV":  # wav49 is written as .WAV
        ("q", "inbound", None, "600", None, None, "+79161234567", None, None),
    "rg-601-unknown-20231105-101500-1699168500.42.wav":
        ("rg", "inbound", None, None, "601", None, None, None, None),
    "external-101-79161234567-20231105-101500-1699168500.42.wav":
        ("external", "inbound", None, None, None, "101", "+79161234567", None, None),
    "exten-102-79161234567-20231105-101500-1699168500.42.gsm":
        ("exten", "inbound", None, None, None, "102", "+79161234567", None, None),
    "internal-101-102-20231105-101500-1699168500.42.wav":
        ("internal", "internal", None, None, None, "101", "102", None, None),
    "out-89161234567-101-20231105-101500-1699168500.42.mp3":
        ("out", "outbound", None, None, None, "101", "+79161234567", None, None),
    "in-74951234567-89161234567-20231105-101500-1699168500.42-r.wav":
        ("in", "inbound", "74951234567", None, None, None, "+79161234567", "r", "client"),
    "in-74951234567-89161234567-20231105-101500-1699168500.42-t.wav":
        ("in", "inbound", "74951234567", None, None, None, "+79161234567", "t", "seller"),
    "out-89161234567-101-20231105-101500-1699168500.42-in.wav":
        ("out", "outbound", None, None, None, "101", "+79161234567", "in", "seller"),
    "out-89161234567-101-20231105-101500-1699168500.42-out.wav":
        ("out", "outbound", None, None, None, "101", "+79161234567", "out", "client"),
    "internal-101-102-20231105-101500-1699168500.42-r.wav":
        ("internal", "internal", None, None, None, "101", "102", "r", None),
}


@pytest.fixture
def monitor(tmp_path):
    """A FreePBX monitor folder: recordings in YYYY/MM/DD/ below its root."""
    day = tmp_path / "monitor" / "2023" / "11" / "05"
    day.mkdir(parents=True)
    for name in NAMES:
        (day / name).write_bytes(b"RIFF")
    return tmp_path / "monitor"


def test_every_freepbx_name_in_a_dated_tree_parses(monitor):
    found = sorted(monitor.rglob("*.*"))
    assert len(found) == len(NAMES)
    for path in found:
        name = parse_recording_name(path)
        assert name is not None, path
        kind, direction, did, queue, group, extension, client, leg, role = NAMES[path.name]
        got = (name.kind, name.direction, name.did, name.queue, name.ring_group, name.extension,
               name.client.value, name.leg, name.leg_role)
        assert got == (kind, direction, did, queue, group, extension, client, leg, role), path.name
        assert name.started_at == datetime(2023, 11, 5, 10, 15, 0)
        assert name.uniqueid == "1699168500.42"


def test_caller_id_keeps_its_raw_text_and_its_reason():
    name = parse_recording_name("rg-601-unknown-20231105-101500-1699168500.42.wav")
    assert name.client.raw == "unknown" and "withheld" in name.client.reason


@pytest.mark.parametrize(
    "file_name",
    [
        "call-0042.wav",
        "2023-11-05_10-15_79161234567.mp3",
        "in-74951234567-89161234567-20231105-101500.wav",  # no uniqueid
        "in-74951234567-89161234567-2023-11-05-101500-1699168500.42.wav",  # date of another shape
        "conf-800-800-20231105-101500-1699168500.42.wav",  # a conference, not a sales call
        "in-74951234567-89161234567-20231105-101500-1699168500.42",  # no extension
    ],
)
def test_other_shapes_are_not_freepbx_names(file_name):
    assert parse_recording_name(file_name) is None


@pytest.mark.parametrize(
    "file_name, field, value",
    [
        ("in-74951234567-89161234567-20231341-101500-1699168500.42.wav", "date", "20231341"),
        ("q-600-89161234567-20230229-101500-1699168500.42.wav", "date", "20230229"),
        ("out-89161234567-101-20231105-256000-1699168500.42.wav", "time", "256000"),
    ],
)
def test_impossible_dates_name_the_file_and_the_field(file_name, field, value):
    with pytest.raises(MetadataError) as exc:
        parse_recording_name(f"/var/spool/asterisk/monitor/2023/11/05/{file_name}")
    assert exc.value.field == field
    assert str(exc.value).startswith(f"/var/spool/asterisk/monitor/2023/11/05/{file_name}: {field}: '{value}'")
