"""Russian words for what the review app shows: finding types, severities, actions, flag reasons, times.

Why here and not in the standard or the checks: the checks write their
machine names and English flag reasons into the stored analysis (the JSON
contract and `callqa eval` read them), so the app translates at display time.
A standard's own stage titles win over these (see `standards.StandardInfo`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

SEVERITY_TITLES: dict[str, str] = {
    "critical": "критическая", "major": "серьёзная", "minor": "незначительная", "info": "к сведению",
}
FINDING_TITLES: dict[str, str] = {
    "missing_stage": "Пропущен этап",
    "stage_order": "Нарушен порядок этапов",
    "wrong_answer": "Неверный ответ",
    "evasive_answer": "Уклончивый ответ",
    "ignored_question": "Вопрос клиента без ответа",
    "forbidden_phrase": "Запрещённая фраза",
    "interruption": "Перебивание клиента",
    "talk_ratio": "Продавец говорит слишком много",
    "multitasking_pause": "Паузы на посторонние дела",
    "parallel_work": "Параллельная работа",
    "misrouted_call": "Звонок не туда",
    "poor_dispatching": "Плохая переадресация",
    "transfer_without_template": "Перевод без шаблона",
    "too_many_holds": "Слишком много удержаний",
    "hold_too_long": "Слишком долгое удержание",
    "dead_air": "Долгое молчание",
    "slow_response": "Медленный ответ",
    "long_monologue": "Долгий монолог",
}
ACTION_TITLES: dict[str, str] = {
    "confirm_finding": "подтверждено", "dismiss_finding": "отклонено", "appeal_finding": "апелляция",
    "stage_present": "этап есть", "stage_absent": "этапа нет", "override_score": "балл исправлен",
    "mark_reviewed": "проверено",
}
SPEAKER_TITLES: dict[str, str] = {"seller": "Продавец", "client": "Клиент", "any": "любой", "unknown": "не определён"}
ROLE_TITLES: dict[str, str] = {"qa_lead": "руководитель ОКК", "admin": "администратор", "coach": "тренер",
                               "seller": "продавец"}
# (code, title): used when the standard names no `dismiss_reasons` of its own
DEFAULT_DISMISS_REASONS: tuple[tuple[str, str], ...] = (
    ("asr_error", "Ошибка распознавания речи"),
    ("wrong_speaker", "Перепутаны продавец и клиент"),
    ("justified", "Оправдано ходом разговора"),
    ("client_caused", "Вызвано клиентом"),
    ("rule_too_strict", "Правило слишком строгое для этого случая"),
    ("other", "Другое (см. комментарий)"),
)
_SCORE_BELOW = re.compile(r"^score (?P<score>[\d.]+) below (?P<limit>[\d.]+)$")
_CRITICAL = re.compile(r"^critical finding: (?P<type>\S+)$")


def finding_title(kind: str) -> str:
    return FINDING_TITLES.get(kind, kind.replace("_", " ").capitalize())


def decimal_ru(value: float) -> str:
    """50.8 -> «50,8»; whole numbers without a fraction."""
    return f"{value:g}".replace(".", ",")


def flag_reason(reason: str) -> str:
    """The scorer's English flag reason in Russian; an unknown one is shown as it is."""
    below = _SCORE_BELOW.match(reason)
    if below:
        return f"оценка {decimal_ru(float(below['score']))} ниже {decimal_ru(float(below['limit']))}"
    critical = _CRITICAL.match(reason)
    if critical:
        return f"критическая находка: {finding_title(critical['type'])}"
    return reason


def _ru_iso_day(text: str) -> str:
    year, month, day = text.split("-")
    return f"{day}.{month}.{year}"


def _num(match: re.Match[str], name: str) -> str:
    return match[name].replace(".", ",")


# (pattern, Russian) for the checks' English evidence and reference texts; quotes in «» pass through
_PHRASES: tuple[tuple[re.Pattern[str], Any], ...] = tuple((re.compile(p), r) for p, r in (
    (r"^no phrase of stage «(?P<s>[^»]*)» was found$", lambda m: f"ни одной фразы этапа «{m['s']}» не найдено"),
    (r"^«(?P<a>[^»]*)» came after «(?P<b>[^»]*)»: ", lambda m: f"«{m['a']}» прозвучал после «{m['b']}»: "),
    (r"^the seller talked (?P<p>\d+%) of the time$", lambda m: f"продавец говорил {m['p']} времени"),
    (r"^at most (?P<p>\d+%) \(benchmark (?P<b>\d+%)\)$", lambda m: f"не больше {m['p']} (ориентир {m['b']})"),
    (r"^(?P<n>[\d.]+) s of talk-over$", lambda m: f"{_num(m, 'n')} с одновременной речи"),
    (r"^talk-over under (?P<n>[\d.]+) s$", lambda m: f"одновременная речь меньше {_num(m, 'n')} с"),
    (r"^(?P<n>[\d.]+) s hold after ", lambda m: f"удержание {_num(m, 'n')} с после "),
    (r"^announced holds up to (?P<n>[\d.]+) s$", lambda m: f"объявленное удержание до {_num(m, 'n')} с"),
    (r"^(?P<n>[\d.]+) s of silence after ", lambda m: f"{_num(m, 'n')} с тишины после "),
    (r"^dead air from (?P<n>[\d.]+) s \(unannounced\)$", lambda m: f"тишина от {_num(m, 'n')} с без предупреждения"),
    (r"^(?P<n>[\d.]+) s before answering ", lambda m: f"{_num(m, 'n')} с до ответа на "),
    (r"^answer within (?P<n>[\d.]+) s$", lambda m: f"ответ в пределах {_num(m, 'n')} с"),
    (r"^(?P<n>\d+) holds in one call$", lambda m: f"удержаний за звонок: {m['n']}"),
    (r"^at most (?P<n>\d+) holds$", lambda m: f"не больше {m['n']} удержаний"),
    (r"^an on-topic answer within (?P<n>\d+) seller turns$", lambda m: f"ответ по теме в пределах {m['n']} реплик продавца"),
    (r"^one seller per client within (?P<n>\d+) days$", lambda m: f"один продавец на клиента в пределах {m['n']} дней"),
    (r": the knowledge base answers it: ", lambda m: ": ответ из базы знаний: "),
    (r"^client (?P<c>\S+) was handled by (?P<o>.+?) on (?P<d>\d{4}-\d\d-\d\d) (?P<t>\d\d:\d\d) \(call (?P<id>[^)]*)\); "
     r"(?P<s>.+?) took this call (?P<n>[\d.]+) days later$",
     lambda m: (f"клиента {m['c']} вёл(а) {m['o']} {_ru_iso_day(m['d'])} {m['t']} (звонок {m['id']}); "
                f"{m['s']} взял(а) этот звонок через {_num(m, 'n')} дн.")),
    (r"\(by meaning: «(?P<u>[^»]*)», similarity (?P<a>[\d.]+) ≥ (?P<b>[\d.]+)\)",
     lambda m: f"(по смыслу: «{m['u']}», сходство {_num(m, 'a')} ≥ {_num(m, 'b')})"),
    (r" \(knowledge base: ", lambda m: " (база знаний: "),
))


def evidence_text(text: str) -> str:
    """A check's English evidence or reference in Russian, where its wording is known; else as it is."""
    for pattern, russian in _PHRASES:
        text = pattern.sub(russian, text)
    return text


def local_time(moment: datetime | None, zone: str) -> str:
    """«05.12.2026 14:03» in the company's zone; a stored time without a zone is UTC (how storage writes it)."""
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(ZoneInfo(zone)).strftime("%d.%m.%Y %H:%M")


def clock_time(moment: datetime | None) -> str:
    """A call's start as the phone system's clock read it: stored as that local reading labelled UTC
    (`pipeline.storage.calls`), so it is shown as it is, never converted."""
    return moment.strftime("%d.%m.%Y %H:%M") if moment else "—"


def zone_label(zone: str) -> str:
    """«Europe/Moscow, UTC+3»: what the time columns say they are in."""
    offset = datetime.now(ZoneInfo(zone)).utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset else 0
    return f"{zone}, UTC{hours:+d}"


def parse_day(name: str, raw: str | None) -> date | None:
    """A date typed as 05.12.2026 (the Russian way), or 2026-12-05 (what links and the API send).

    ValueError names the field; None for an empty field.
    """
    text = (raw or "").strip()
    if not text:
        return None
    try:
        if re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4}", text):
            day, month, year = (int(p) for p in text.split("."))
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{name} {text!r}: ожидается дата в виде ДД.ММ.ГГГГ") from None


def ru_day(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


__all__ = ["ACTION_TITLES", "DEFAULT_DISMISS_REASONS", "FINDING_TITLES", "ROLE_TITLES", "SEVERITY_TITLES",
           "SPEAKER_TITLES", "clock_time", "decimal_ru", "evidence_text", "finding_title", "flag_reason", "local_time", "parse_day", "ru_day",
           "zone_label"]
