"""Asterisk Master.csv as cdr_csv writes it, and as FreePBX exports it with a header."""

from datetime import datetime

import pytest

from pipeline.phone.cdr import channel_extension, load_cdr
from pipeline.phone.errors import MetadataError

# cdr_csv: no header, every text quoted, numbers bare, an empty date as an empty field;
# accountcode, src, dst, dcontext, clid, channel, dstchannel, lastapp, lastdata, start, answer,
# end, duration, billsec, disposition, amaflags, uniqueid, userfield[, peeraccount, linkedid, sequence]
MASTER_CSV = '''\
"","89161234567","74951234567","from-trunk","""Иван"" <89161234567>","SIP/mts-00000010","SIP/101-00000011","Dial","SIP/101,30,tr","2023-11-05 10:15:00","2023-11-05 10:15:12","2023-11-05 10:20:00",300,288,"ANSWERED","DOCUMENTATION","1699168500.42",""
"","+79031112233","600","ext-queues","+79031112233","PJSIP/mts-00000020","Local/102@from-queue-00000001;1","Queue","600,t,,,300","2023-11-05 11:00:00",,"2023-11-05 11:00:20",20,0,"NO ANSWER","DOCUMENTATION","1699171200.50",""
"","+79031112233","600","ext-queues","+79031112233","PJSIP/mts-00000020","Local/103@from-queue-00000002;1","Queue","600,t,,,300","2023-11-05 11:00:00","2023-11-05 11:00:25","2023-11-05 11:06:25",385,360,"ANSWERED","DOCUMENTATION","1699171200.50",""
"","89262223344","74951234567","from-trunk","89262223344","PJSIP/mts-00000030","PJSIP/104-00000031","Dial","PJSIP/104,30","2023-11-05 12:00:00",,"2023-11-05 12:00:30",30,0,"NO ANSWER","DOCUMENTATION","1699174800.60",""
"","89263334455","74951234567","from-trunk","89263334455","PJSIP/mts-00000040","PJSIP/101-00000041","Dial","PJSIP/101,30","2023-11-05 12:10:00",,"2023-11-05 12:10:02",2,0,"BUSY","DOCUMENTATION","1699175400.70",""
"","101","89161234567","from-internal","""Анна"" <101>","PJSIP/101-00000050","PJSIP/mts-00000051","Dial","PJSIP/mts/89161234567","2023-11-05 13:00:00",,"2023-11-05 13:00:01",1,0,"FAILED","DOCUMENTATION","1699179600.80",""
"","101","89161234567","from-internal","""Анна"" <101>","PJSIP/101-00000060","PJSIP/mts-00000061","Dial","PJSIP/mts/89161234567","2023-11-05 13:05:00",,"2023-11-05 13:05:03",3,0,"CONGESTION","DOCUMENTATION","1699179900.90",""
"","102","89165556677","from-internal","""Борис"" <102>","PJSIP/102-00000070","PJSIP/mts-00000071","Dial","PJSIP/mts/89165556677","2023-11-05 14:00:00","2023-11-05 14:00:08","2023-11-05 14:03:08",188,180,"ANSWERED","DOCUMENTATION","1699182000.100","","","1699182000.100","7"
"","89167778899","74951234567","from-trunk","89167778899","PJSIP/mts-00000080","PJSIP/101-00000081","Dial","PJSIP/101,30","2023-13-05 15:00:00","2023-11-05 15:00:05","2023-11-05 15:01:05",65,60,"ANSWERED","DOCUMENTATION","1699185600.110",""
"","89168889900","74951234567","from-trunk","89168889900","PJSIP/mts-00000090"

"","89169990011","74951234567","from-trunk","89169990011","PJSIP/mts-000000a0","PJSIP/103-000000a1","Dial","PJSIP/103,30","2023-11-05 16:00:00","2023-11-05 16:00:04","2023-11-05 16:02:04",124,120,"ANSWERED","DOCUMENTATION"
"","89160001122","74951234567","from-trunk","89160001122","PJSIP/mts-000000b0","PJSIP/103-000000b1","Dial","PJSIP/103,30","2023-11-05 16:30:00","2023-11-05 16:30:04","2023-11-05 16:32:04",1m,120,"ANSWERED","DOCUMENTATION","1699191000.130",""
"","89160001122","74951234567","from-trunk","89160001122","PJSIP/mts-000000c0","PJSIP/103-000000c1","Dial","PJSIP/103,30","2023-11-05 16:40:00","2023-11-05 16:40:04","2023-11-05 16:42:04",124,120,"HUNG UP","DOCUMENTATION","1699191600.140",""
'''

# what the FreePBX CDR report exports: a header, `calldate` for the start, no answer time
EXPORT_CSV = """\
uniqueid,calldate,src,dst,dcontext,channel,dstchannel,disposition,billsec,duration,recordingfile
1699168500.42,2023-11-05 10:15:00,89161234567,74951234567,from-trunk,SIP/mts-00000010,SIP/101-00000011,ANSWERED,288,300,in-74951234567-89161234567-20231105-101500-1699168500.42.wav
1699174800.60,2023-11-05 12:00:00,89262223344,74951234567,from-trunk,PJSIP/mts-00000030,PJSIP/104-00000031,NO ANSWER,0,30,
1699175400.70,05.11.2023 12:10,89263334455,74951234567,from-trunk,PJSIP/mts-00000040,PJSIP/101-00000041,BUSY,0,2,
"""


@pytest.fixture
def master(tmp_path):
    path = tmp_path / "var" / "log" / "asterisk" / "cdr-csv" / "Master.csv"
    path.parent.mkdir(parents=True)
    path.write_text(MASTER_CSV, encoding="utf-8")
    return path


def test_master_csv_rows_load_and_bad_ones_are_reported_by_line(master):
    load = load_cdr(master)
    assert len(load.records) == 9
    assert [(s.line, s.reason) for s in load.skipped] == [
        (9, "start: '2023-13-05 15:00:00' is not a YYYY-MM-DD HH:MM:SS date"),
        (10, "missing columns: 6 of at least 16"),
        (13, "duration: '1m' is not a whole number of seconds"),
        (14, "disposition: 'HUNG UP' is not one of ANSWERED, NO ANSWER, BUSY, FAILED, CONGESTION"),
    ]
    assert {r.disposition for r in load.records} == {"ANSWERED", "NO ANSWER", "BUSY", "FAILED", "CONGESTION"}


def test_answered_call(master):
    call = load_cdr(master).by_uniqueid()["1699168500.42"]
    assert (call.src, call.dst, call.disposition) == ("89161234567", "74951234567", "ANSWERED")
    assert call.start == datetime(2023, 11, 5, 10, 15) and call.answer == datetime(2023, 11, 5, 10, 15, 12)
    assert (call.duration, call.billsec, call.ring_s) == (300, 288, 12.0)
    assert channel_extension(call.dstchannel) == "101"


def test_a_queue_call_is_the_agent_who_answered_not_the_one_who_did_not(master):
    load = load_cdr(master)
    assert [r.disposition for r in load.records if r.uniqueid == "1699171200.50"] == ["NO ANSWER", "ANSWERED"]
    call = load.by_uniqueid()["1699171200.50"]
    assert channel_extension(call.dstchannel) == "103" and call.ring_s == 25.0


def test_unanswered_calls_rang_for_their_whole_duration(master):
    calls = load_cdr(master).by_uniqueid()
    assert (calls["1699174800.60"].answer, calls["1699174800.60"].ring_s) == (None, 30.0)
    assert calls["1699175400.70"].disposition == "BUSY"


def test_extra_columns_of_newer_versions_are_accepted_and_rows_without_uniqueid_kept(master):
    load = load_cdr(master)
    assert load.by_uniqueid()["1699182000.100"].billsec == 180  # 21 columns
    no_id = [r for r in load.records if not r.uniqueid]  # 16 columns: loguniqueid off
    assert [r.line for r in no_id] == [12] and "" not in load.by_uniqueid()


def test_a_header_in_any_order_and_the_freepbx_names(tmp_path):
    path = tmp_path / "cdr-export.csv"
    path.write_text("\ufeff" + EXPORT_CSV, encoding="utf-8")  # as saved by a spreadsheet
    load = load_cdr(path)
    assert [(s.line, s.reason) for s in load.skipped] == [
        (4, "start: '05.11.2023 12:10' is not a YYYY-MM-DD HH:MM:SS date")
    ]
    calls = load.by_uniqueid()
    assert calls["1699168500.42"].start == datetime(2023, 11, 5, 10, 15)
    assert calls["1699168500.42"].ring_s == 12.0  # no answer column: duration - billsec
    assert calls["1699174800.60"].disposition == "NO ANSWER"


def test_header_without_a_needed_column(tmp_path):
    path = tmp_path / "cdr.csv"
    path.write_text("uniqueid,src,dst,disposition\n1.1,101,102,ANSWERED\n", encoding="utf-8")
    with pytest.raises(MetadataError, match=r"cdr.csv: header: missing column\(s\) start, duration, billsec"):
        load_cdr(path)


def test_missing_file(tmp_path):
    with pytest.raises(MetadataError, match="Master.csv: file: CDR file not found"):
        load_cdr(tmp_path / "Master.csv")


@pytest.mark.parametrize(
    "channel, extension",
    [
        ("SIP/101-0000001a", "101"),
        ("PJSIP/102-00000003", "102"),
        ("IAX2/105-00001234", "105"),
        ("Local/103@from-queue-00000001;1", "103"),
        ("Local/103@from-queue-9c7b,1", "103"),  # Asterisk 1.4
        ("Local/FMGL-104#@from-internal-00000005;2", "104"),  # FreePBX follow-me
        ("Local/FMPR-104@from-internal-00000006;1", "104"),
        ("PJSIP/mts-0000004a", None),  # a trunk
        ("SIP/beeline_trunk-0000004b", None),
        ("DAHDI/1-1", None),
        ("", None),
    ],
)
def test_extension_from_the_channel_name(channel, extension):
    assert channel_extension(channel) == extension
