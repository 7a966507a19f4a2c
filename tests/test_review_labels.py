"""The review app's Russian: flag reasons, evidence, dates typed the Russian way, times in the company's zone,
and what it takes from the call's standard (stage titles, critical types, dismissal reasons)."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from pipeline.review.labels import clock_time, evidence_text, finding_title, flag_reason, local_time, parse_day
from pipeline.review.standards import StandardInfo, reason_problem, standard_info


@pytest.mark.parametrize(("english", "russian"), [
    ("score 50.8 below 70", "оценка 50,8 ниже 70"),
    ("score 12 below 70.5", "оценка 12 ниже 70,5"),
    ("critical finding: wrong_answer", "критическая находка: Неверный ответ"),
    ("something new", "something new"),  # an unknown reason is shown as it is, not lost
])
def test_flag_reasons_in_russian(english: str, russian: str) -> None:
    assert flag_reason(english) == russian


@pytest.mark.parametrize(("english", "russian"), [
    ("no phrase of stage «Прощание» was found", "ни одной фразы этапа «Прощание» не найдено"),
    ("the seller talked 81% of the time", "продавец говорил 81% времени"),
    ("12.5 s of silence after «минутку»", "12,5 с тишины после «минутку»"),
    ("«цена?» → «не знаю»", "«цена?» → «не знаю»"),  # quotes pass through untouched
    ("client +79035556677 was handled by Ирина on 2026-11-02 11:40 (call 17.14); Анна took this call 3.1 days later",
     "клиента +79035556677 вёл(а) Ирина 02.11.2026 11:40 (звонок 17.14); Анна взял(а) этот звонок через 3,1 дн."),
    ("дай (by meaning: «дай какого», similarity 0.83 ≥ 0.42)", "дай (по смыслу: «дай какого», сходство 0,83 ≥ 0,42)"),
])
def test_evidence_in_russian(english: str, russian: str) -> None:
    assert evidence_text(english) == russian


def test_dates_typed_the_russian_way_and_times_in_the_companys_zone() -> None:
    assert parse_day("date_from", "05.12.2026") == date(2026, 12, 5)
    assert parse_day("date_from", "2026-12-05") == date(2026, 12, 5)  # links and the API
    assert parse_day("date_from", " ") is None
    for bad in ("31.02.2026", "12/05/2026", "завтра"):
        with pytest.raises(ValueError, match="^date_to .*ДД.ММ.ГГГГ"):
            parse_day("date_to", bad)
    noon_utc = datetime(2026, 12, 5, 12, 0, tzinfo=timezone.utc)
    assert local_time(noon_utc, "Europe/Moscow") == "05.12.2026 15:00"
    assert local_time(noon_utc.replace(tzinfo=None), "Asia/Yekaterinburg") == "05.12.2026 17:00"  # stored as UTC
    assert local_time(None, "Europe/Moscow") == "—"
    # a call's start is the phone system's clock reading stored as UTC: shown as read, not shifted
    assert clock_time(datetime(2026, 11, 5, 15, 5, tzinfo=timezone.utc)) == "05.11.2026 15:05"


def test_what_the_app_takes_from_the_standard() -> None:
    info = standard_info("stroydom-inbound")
    assert info.stage_title("greeting") == "Приветствие" and info.stage_title("no_such") == "no_such"
    assert info.finding_title("missing_stage", "farewell") == "Пропущен этап: Прощание"
    assert info.severity("wrong_answer", "major") == "critical"  # the standard's scoring.critical
    assert info.severity("ignored_question", "minor") == "minor"
    assert info.timezone == "Europe/Moscow"
    assert standard_info("unknown-standard") == StandardInfo()
    assert finding_title("brand_new_type") == "Brand new type"


@pytest.mark.parametrize(("kind", "reason", "problem"), [
    ("dismiss_finding", "asr_error", None),
    ("dismiss_finding", None, "reason: a dismissal needs a reason"),
    ("dismiss_finding", "because", "reason 'because': expected one of asr_error"),
    ("confirm_finding", "asr_error", "reason: only a dismissal"),
    ("confirm_finding", None, None),
])
def test_a_dismissal_needs_a_reason_from_the_list(kind: str, reason: str | None, problem: str | None) -> None:
    found = reason_problem(StandardInfo(), kind, reason)
    assert (found is None) if problem is None else (found or "").startswith(problem)
