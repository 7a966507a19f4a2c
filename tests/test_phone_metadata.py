"""Sidecar over CDR over file name, field by field; a call with no metadata is still a call."""

import json
from datetime import datetime

import pytest

from pipeline.phone.cdr import load_cdr
from pipeline.phone.errors import MetadataError
from pipeline.phone.metadata import call_metadata
from pipeline.phone.sellers import Seller, SellerMap

SELLERS = SellerMap(sellers=[
    Seller(name="Анна Петрова", extensions=["101"], agent_ids=["anna.p"]),
    Seller(name="Борис Смирнов", extensions=["103"]),
])
INBOUND = "in-74951234567-89161234567-20231105-101500-1699168500.42"
QUEUE = "q-600-+79031112233-20231105-110000-1699171200.50"
OUTBOUND = "out-89165556677-102-20231105-140000-1699182000.100"
MASTER_CSV = (
    '"","89161234567","74951234567","from-trunk","89161234567","SIP/mts-00000010","SIP/101-00000011","Dial",'
    '"SIP/101,30","2023-11-05 10:14:58","2023-11-05 10:15:10","2023-11-05 10:20:00",302,290,"ANSWERED",'
    '"DOCUMENTATION","1699168500.42",""\n'
    '"","+79031112233","600","ext-queues","+79031112233","PJSIP/mts-00000020","Local/102@from-queue-00000001;1",'
    '"Queue","600","2023-11-05 11:00:00",,"2023-11-05 11:00:20",20,0,"NO ANSWER","DOCUMENTATION","1699171200.50",""\n'
    '"","+79031112233","600","ext-queues","+79031112233","PJSIP/mts-00000020","Local/103@from-queue-00000002;1",'
    '"Queue","600","2023-11-05 11:00:00","2023-11-05 11:00:25","2023-11-05 11:06:25",385,360,"ANSWERED",'
    '"DOCUMENTATION","1699171200.50",""\n'
    '"","102","89165556677","from-internal","102","PJSIP/102-00000070","PJSIP/mts-00000071","Dial","x",'
    '"2023-11-05 14:00:00","2023-11-05 14:00:08","2023-11-05 14:03:08",188,180,"ANSWERED","DOCUMENTATION",'
    '"1699182000.100",""\n'
)


@pytest.fixture
def pbx(tmp_path):
    """A FreePBX box: dated monitor folders and the CDR, indexed by uniqueid."""
    day = tmp_path / "monitor" / "2023" / "11" / "05"
    day.mkdir(parents=True)
    cdr = tmp_path / "Master.csv"
    cdr.write_text(MASTER_CSV, encoding="utf-8")
    return day, load_cdr(cdr).by_uniqueid()


def sidecar(path, **fields):
    base = {"call_id": "c-42", "started_at": "2023-11-05T10:15:00+03:00", "direction": "inbound",
            "caller": "89161234567", "callee": "74951234567", "extension": "101"}
    path.write_text(json.dumps({**base, **fields}, ensure_ascii=False), encoding="utf-8")


def test_file_name_alone(pbx):
    day, _ = pbx
    meta = call_metadata(day / f"{INBOUND}.wav", sellers=SELLERS)
    assert (meta.call_id, meta.started_at, meta.direction) == ("1699168500.42", datetime(2023, 11, 5, 10, 15), "inbound")
    assert (meta.client_number, meta.extension, meta.disposition, meta.ring_s) == ("+79161234567", None, None, None)
    assert (meta.seller, meta.seller_status, meta.sources) == ("unknown", "no_key", ("filename",))


def test_cdr_adds_who_answered_and_beats_the_file_name(pbx):
    day, cdr = pbx
    meta = call_metadata(day / f"{INBOUND}.wav", cdr=cdr, sellers=SELLERS)
    assert meta.started_at == datetime(2023, 11, 5, 10, 14, 58)  # the CDR's start, not the name's
    assert (meta.extension, meta.seller, meta.seller_status) == ("101", "Анна Петрова", "mapped")
    assert (meta.disposition, meta.ring_s, meta.sources) == ("ANSWERED", 12.0, ("cdr:line 1", "filename"))


def test_queue_call_is_credited_to_the_agent_who_answered(pbx):
    day, cdr = pbx
    meta = call_metadata(day / f"{QUEUE}.wav", cdr=cdr, sellers=SELLERS)
    assert (meta.queue, meta.extension, meta.seller, meta.ring_s) == ("600", "103", "Борис Смирнов", 25.0)
    assert meta.client_number == "+79031112233"


def test_outbound_call_the_client_is_the_number_dialled(pbx):
    day, cdr = pbx
    meta = call_metadata(day / f"{OUTBOUND}.wav", cdr=cdr, sellers=SELLERS)
    assert (meta.direction, meta.client_number, meta.extension) == ("outbound", "+79165556677", "102")
    assert (meta.seller, meta.seller_status) == ("unknown", "unmapped")  # 102 is not in the map: report it


def test_sidecar_beats_cdr_and_file_name(pbx):
    day, cdr = pbx
    recording = day / f"{INBOUND}.wav"
    sidecar(day / f"{INBOUND}.meta.json", seller="Анна (стажёр)", ring_s=3, extension="201")
    meta = call_metadata(recording, cdr=cdr, sellers=SELLERS)
    assert (meta.call_id, meta.started_at.isoformat()) == ("c-42", "2023-11-05T10:15:00+03:00")
    assert (meta.extension, meta.seller, meta.seller_status, meta.ring_s) == ("201", "Анна (стажёр)", "sidecar", 3.0)
    assert meta.disposition == "ANSWERED"  # the sidecar has none: the CDR's
    assert meta.sources == (f"sidecar:{day / f'{INBOUND}.meta.json'}", "cdr:line 1", "filename")


def test_sidecar_agent_id_finds_the_seller(tmp_path):
    sidecar(tmp_path / "call-7.meta.json", extension=None, agent_id="anna.p", direction="outbound",
            caller="anna.p", callee="+7 916 555-66-77")
    meta = call_metadata(tmp_path / "call-7.mp3", sellers=SELLERS)
    assert (meta.seller, meta.client_number, meta.sources[0]) == ("Анна Петрова", "+79165556677",
                                                                   f"sidecar:{tmp_path / 'call-7.meta.json'}")


def test_cdr_found_by_the_sidecar_call_id(pbx, tmp_path):
    _, cdr = pbx
    sidecar(tmp_path / "rec.meta.json", call_id="1699171200.50", extension=None, agent_id="x")
    meta = call_metadata(tmp_path / "rec.wav", cdr=cdr, sellers=SELLERS)
    assert (meta.disposition, meta.extension, meta.seller) == ("ANSWERED", "103", "Борис Смирнов")


@pytest.mark.parametrize(
    "name, leg, roles",
    [
        (f"{INBOUND}-r.wav", "r", "client,seller"),  # the pair: received (client) first
        (f"{INBOUND}-t.wav", "t", "client,seller"),
        (f"{OUTBOUND}-in.wav", "in", "seller,client"),
        (f"{INBOUND}.wav", None, None),  # one mixed file: roles come from the audio
        ("internal-101-102-20231105-101500-1699168500.42-r.wav", "r", None),
    ],
)
def test_legs_get_the_roles_of_their_pair(pbx, name, leg, roles):
    day, _ = pbx
    meta = call_metadata(day / name)
    assert (meta.leg, meta.channel_roles) == (leg, roles)


def test_one_sidecar_for_both_legs(tmp_path):
    sidecar(tmp_path / "x.meta.json", channel_roles="seller,client", direction="outbound",
            caller="101", callee="89161234567")
    for leg in ("r", "t"):
        meta = call_metadata(tmp_path / f"x-{leg}.wav")
        assert (meta.call_id, meta.leg, meta.channel_roles) == ("c-42", leg, "seller,client")


def test_a_recording_without_metadata_is_still_a_call(tmp_path):
    meta = call_metadata(tmp_path / "Запись 2023-11-05 10.15.wav", cdr={}, sellers=SELLERS)
    assert (meta.seller, meta.seller_status, meta.sources) == ("unknown", "no_key", ())
    assert meta.call_id is meta.started_at is meta.direction is meta.client_number is meta.ring_s is None


def test_broken_metadata_is_an_error_naming_the_file(tmp_path):
    (tmp_path / "call.meta.json").write_text('{"call_id": ""}', encoding="utf-8")
    with pytest.raises(MetadataError, match=r"call.meta.json: call_id: String should have at least 1 character"):
        call_metadata(tmp_path / "call.wav")
    with pytest.raises(MetadataError, match="date: '20231135'"):
        call_metadata(tmp_path / "in-74951234567-89161234567-20231135-101500-1699168500.42.wav")
