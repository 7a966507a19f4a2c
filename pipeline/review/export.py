"""The queue and its review decisions as CSV and XLSX, for a QA lead's weekly report or a spreadsheet.

Why two tables: the queue has one row per call (what a manager filters and
sorts), the decisions one row per action (who decided what, and why), which is
what the calibration of the standard needs. CSV gets one of them per file
(UTF-8 with a BOM, `;`-separated, as Russian Excel opens it); XLSX gets both
as sheets of one workbook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.privacy.masking import mask_phone_numbers
from pipeline.privacy.spans import LABELS
from pipeline.review.labels import ACTION_TITLES, SEVERITY_TITLES, clock_time, finding_title, local_time
from pipeline.review.queue import QueueFilters, queue_page
from pipeline.review.standards import StandardInfo
from pipeline.storage.models import FindingRow, ReviewActionRow, UserRow
from pipeline.storage.reviews import User

MAX_EXPORT = 20_000  # calls in one export: far above a day's queue, small enough for one response
QUEUE_COLUMNS = ("Звонок", "Файл", "Дата и время (АТС)", "Продавец", "Номер клиента", "Длительность, с", "Балл",
                 "Автоматический балл", "Серьёзность", "Находки", "Подтверждено", "Отклонено", "Проверен",
                 "Апелляция", "Проверяющий")
DECISION_COLUMNS = ("Звонок", "Когда", "Кто", "Действие", "Находка", "Этап", "Балл", "Причина (код)",
                    "Причина", "Комментарий")


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def _yes(value: bool) -> str:
    return "да" if value else "нет"


def export_tables(session: Session, user: User, filters: QueueFilters, info: StandardInfo,
                  clear: bool = False) -> tuple[Table, Table]:
    """(the queue, its decisions) for every call the filters match, not only one page.

    Masked unless `clear` (an admin's logged request): the client's number and the file name named
    after it read «[телефон]», and so does a phone number in a reviewer's comment."""
    result = queue_page(session, user, QueueFilters(**{**filters.__dict__, "page": 1}), MAX_EXPORT)
    hide = (lambda text: text) if clear else mask_phone_numbers
    queue = tuple(
        (r.analysis_id, hide(Path(r.recording).name), clock_time(r.started_at), r.seller or "",
         (r.client_number or "") if clear or not r.client_number else LABELS["phone"],
         round(r.duration_s or 0.0, 1), r.score, r.automatic_score, SEVERITY_TITLES.get(r.severity, r.severity),
         ", ".join(finding_title(t) for t in r.finding_types), r.confirmed, r.dismissed, _yes(r.reviewed),
         _yes(r.appealed), r.assignee or "")
        for r in result.rows)
    return (Table("Очередь", QUEUE_COLUMNS, queue),
            Table("Решения", DECISION_COLUMNS, _decisions(session, [r.analysis_id for r in result.rows], info, hide)))


def _decisions(session: Session, ids: Sequence[int], info: StandardInfo,
               hide: Callable[[str], str]) -> tuple[tuple[Any, ...], ...]:
    if not ids:
        return ()
    a = ReviewActionRow
    found = session.execute(
        select(a.analysis_id, a.created_at, UserRow.name, a.kind, FindingRow.type, a.stage_id, a.score, a.reason,
               a.comment)
        .join(UserRow, UserRow.id == a.user_id)
        .outerjoin(FindingRow, (FindingRow.analysis_id == a.analysis_id) & (FindingRow.idx == a.finding_idx))
        .where(a.analysis_id.in_(ids)).order_by(a.analysis_id, a.id))
    reasons = dict(info.dismiss_reasons)
    return tuple(
        (aid, local_time(when, info.timezone), who, ACTION_TITLES.get(kind, kind),
         finding_title(ftype) if ftype else "", info.stage_title(stage) if stage else "",
         score if score is not None else "", reason or "", reasons.get(reason or "", ""), hide(comment or ""))
        for aid, when, who, kind, ftype, stage, score, reason, comment in found)


# A cell starting with one of these is a formula to Excel and LibreOffice, in CSV and XLSX alike: a
# seller's appeal «=HYPERLINK(...)» would run in the QA lead's spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value: Any) -> Any:
    """A string cell as inert text (a leading apostrophe, as spreadsheets themselves write it); numbers kept."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _inert(row: Sequence[Any]) -> list[Any]:
    return [as_text(v) for v in row]


def to_csv(table: Table) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    writer.writerows(_inert(row) for row in table.rows)
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8 instead of cp1251


def to_xlsx(tables: Sequence[Table]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.append(table.columns)
        for row in table.rows:
            sheet.append(_inert(row))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


__all__ = ["DECISION_COLUMNS", "as_text", "MAX_EXPORT", "QUEUE_COLUMNS", "Table", "export_tables", "to_csv", "to_xlsx"]
