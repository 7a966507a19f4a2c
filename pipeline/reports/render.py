"""Scorecards and team reports as HTML (one self-contained file), PDF (A4) and PNG.

The PDF and the PNG are the same A4 page drawn by matplotlib (PdfPages, no
system libraries to install); the HTML page has the same facts and charts, with
clickable links to the calls. The words on the reports are Russian, like the
calls and the standard; the code and its messages stay English.

On the A4 page nothing is placed by guessing how wide a text will be: a
fact's value is placed after the widest label as drawn, lines are spaced in
points, the talk table sizes its columns to their texts, and the legends
stand beside the charts (tests/test_scorecard_render.py checks the drawn
boxes). The calls to hear link to the review app's call page at the second
to hear, when its address is configured (`pipeline.reports.links`).

A report is a file that travels (mailed to a seller, printed for a coach), so it names a call's
recording with the phone numbers in its file name masked, as the app's exports do: the phone
system names the file after the client's number. The link to the call page is the way to hear it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from matplotlib.axes import Axes
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pipeline.privacy.masking import mask_phone_numbers
from pipeline.reports import charts
from pipeline.reports.links import call_link
from pipeline.reports.queries import CallPick, ReviewStatus, SellerScorecard, TalkFigures, TeamReport

Format = Literal["html", "pdf", "png"]
Report = SellerScorecard | TeamReport
A4 = (8.27, 11.69)  # inches, portrait

LEAD_TITLES = {"urgency": "срочность", "budget": "бюджет", "benefit": "выгода"}
FINDING_TITLES = {
    "missing_stage": "пропущен этап", "stage_order": "порядок этапов", "multitasking_pause": "паузы",
    "wrong_answer": "неверный ответ", "evasive_answer": "уклончивый ответ", "ignored_question": "вопрос без ответа",
    "poor_dispatching": "переадресация", "interruption": "перебивание", "talk_metrics": "говорит слишком много",
    "forbidden_phrase": "запретные слова", "misrouted_call": "не его клиент", "parallel_work": "параллельная работа",
}


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.0f}%"


def _num(v: float | None, unit: str = "", digits: int = 0) -> str:
    return "–" if v is None else f"{v:.{digits}f}{unit}"


def _title(report: Report) -> tuple[str, str]:
    who = "Команда" if isinstance(report, TeamReport) else report.seller
    p = report.period
    return (f"{who}: {p.label}", f"{p.start:%d.%m.%Y}–{p.last_day:%d.%m.%Y}, время {report.tz}")


def _timing_note(timed_by_analysis: int) -> str | None:
    if not timed_by_analysis:
        return None
    return f"{timed_by_analysis} звонк. без времени начала: отнесены по времени анализа"


def seller_facts(card: SellerScorecard) -> list[tuple[str, str]]:
    """The key figures, in the order both formats show them."""
    reviewed = "0% — проверок ещё нет" if card.reviews.reviewed_calls == 0 else \
        f"{_pct(card.reviews.reviewed_calls / card.calls if card.calls else None)}"
    facts = [("Звонков проанализировано", f"{card.calls} (команда: {card.team_calls})"),
             ("Проверено руководителем", reviewed)]
    if card.enough:
        facts.append(("Средний балл", f"{_num(card.average_score, digits=1)} (медиана команды "
                                      f"{_num(card.team_median, digits=1)})"))
    facts += [("Пропущенные звонки", f"{card.missed_calls} (не перезвонили: {card.missed_not_called_back})"),
              ("Параллельная работа", str(card.parallel_work))]
    return facts


def team_facts(report: TeamReport) -> list[tuple[str, str]]:
    missed = ", ".join(f"{m.responsible} {m.total}" for m in report.missed) or "нет"
    return [("Звонков проанализировано", str(report.calls)),
            ("Средний балл / медиана", f"{_num(report.average_score, digits=1)} / {_num(report.median_score, digits=1)}"),
            ("Сравнение с периодом", f"{report.previous.start:%d.%m.%Y}–{report.previous.last_day:%d.%m.%Y}"),
            ("Пропущенные звонки", missed)]


def _talk_rows(mine: TalkFigures, team: TalkFigures | None) -> list[tuple[str, ...]]:
    """Rows of label, seller[, team]: the team column only on a seller's card."""
    rows = [("Доля речи продавца", _pct(mine.talk_share), _pct(team.talk_share) if team else ""),
            ("Макс. монолог", _num(mine.monologue_s, " с"), _num(team.monologue_s, " с") if team else ""),
            ("Вопросов за звонок", _num(mine.questions, digits=1), _num(team.questions, digits=1) if team else ""),
            ("Звонков с замерами", str(mine.measured), str(team.measured) if team else "")]
    return [r if team else r[:2] for r in rows]


def _review_note(status: ReviewStatus) -> str:
    if status.reviewed_calls == 0:
        return "Проверок ещё нет (no reviews yet): учтены все найденные ошибки."
    return (f"Учтены подтверждённые и непроверенные ошибки; отклонённые руководителем ({status.dismissed_findings}) "
            "не считаются.")


def _pick_rows(card: SellerScorecard) -> list[tuple[str, CallPick]]:
    return [("лучший", p) for p in card.best] + [("худший", p) for p in card.worst]


def _pick_text(kind: str, p: CallPick) -> str:
    where = f"{FINDING_TITLES.get(p.finding.type, p.finding.type)} на {p.second} с" if p.finding else "без ошибок"
    return f"{kind}: звонок {p.analysis_id}, {p.local_time:%d.%m %H:%M}, балл {p.score:.0f}, {where}"


def _pick_link(p: CallPick, review_url: str | None) -> str | None:
    return call_link(review_url, p.analysis_id, p.second)


# --- the A4 page (PDF and PNG) -----------------------------------------------------------

LINE_PT = 13.0  # between the tops of two 9 pt lines


def _line(ax: Axes, y_pt: float, text: str, **kw: object) -> Text:
    """A text whose top is `y_pt` points under the top of `ax`: spacing that does not depend on the panel's height."""
    return ax.annotate(text, (0, 1), xycoords="axes fraction", xytext=(0, -y_pt), textcoords="offset points",
                       va="top", **kw)  # type: ignore[arg-type]


def _header(ax: Axes, report: Report, facts: Sequence[tuple[str, str]], notes: Sequence[str]) -> None:
    ax.axis("off")
    title, sub = _title(report)
    _line(ax, 0, title, fontsize=16, fontweight="bold")
    _line(ax, 24, sub, fontsize=9, color="#555555")
    top = 24 + LINE_PT * 1.6
    labels = [_line(ax, top + LINE_PT * i, label, fontsize=9, color="#555555") for i, (label, _) in enumerate(facts)]

    def after_labels(renderer: RendererBase) -> Bbox:  # the widest label as drawn: values start past it
        return Bbox.union([t.get_window_extent(renderer) for t in labels])

    for label, (_, value) in zip(labels, facts):
        ax.annotate(value, (1, 1), xycoords=(after_labels, label), xytext=(12, 0), textcoords="offset points",
                    va="top", fontsize=9, fontweight="bold")
    for j, note in enumerate(notes):
        _line(ax, top + LINE_PT * (len(facts) + j + 0.3), note, fontsize=8, style="italic")


def _lines(ax: Axes, title: str, lines: Sequence[tuple[str, str | None]]) -> None:
    """Text rows; a row with a link is clickable in the PDF."""
    ax.axis("off")
    ax.set_title(title, loc="left")
    for i, (text, url) in enumerate(lines):
        _line(ax, LINE_PT * i, text + (f"  {url}" if url else ""), fontsize=8, url=url,
              color=charts.MINE if url else "black")


def _table(ax: Axes, title: str, rows: Sequence[tuple[str, ...]], head: tuple[str, ...]) -> None:
    """A table whose columns are as wide as their longest text, so no cell is cut off."""
    ax.axis("off")
    ax.set_title(title, loc="left")
    table = ax.table(cellText=[list(r) for r in rows], colLabels=list(head), loc="upper left", cellLoc="left")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.auto_set_column_width(list(range(len(head))))
    table.scale(1, 1.3)


# A panel: a chart drawn on an Axes, with its size when it stands alone on the HTML page.
Draw = Callable[[Axes], None]


@dataclass(frozen=True)
class Panel:
    name: str
    draw: Draw
    size: tuple[float, float] = (6.0, 3.0)


LEAD_TITLE = "Квалификация лида: вопрос задан"
NOT_ENOUGH = "Доли и средние не показаны: на таком числе звонков они вводят в заблуждение."


def _seller_panels(card: SellerScorecard, stage_titles: Mapping[str, str]) -> list[Panel]:
    """The seller's charts, in page order: trend, stages, findings, lead questions."""
    return [
        Panel("trend", lambda ax: charts.score_trend(ax, card.weeks, card.seller), (7, 2.8)),
        Panel("stages", lambda ax: charts.rate_bars(ax, card.stages, "Этапы: % звонков", percent=True,
                                                    titles=stage_titles, mine_label=card.seller)),
        Panel("findings", lambda ax: charts.rate_bars(ax, card.findings[:8], "Ошибки на 10 звонков", percent=False,
                                                      titles=FINDING_TITLES, mine_label=card.seller)),
        Panel("lead", lambda ax: charts.rate_bars(ax, card.lead, LEAD_TITLE, percent=True, titles=LEAD_TITLES,
                                                  mine_label=card.seller), (6, 2)),
    ]


def _team_panels(report: TeamReport, stage_titles: Mapping[str, str]) -> list[Panel]:
    """The team's charts, in page order: ranking, trend, heat map, changes, lead questions."""
    stages = [r.key for r in report.stages]
    return [
        Panel("ranking", lambda ax: charts.ranking(ax, report.ranking, report.median_score)),
        Panel("trend", lambda ax: charts.score_trend(ax, report.weeks, "среднее команды"), (7, 2.8)),
        Panel("heat map", lambda ax: charts.heatmap(ax, report.heatmap, stages, stage_titles), (7, 3.2)),
        Panel("changes", lambda ax: charts.changes(ax, report.rose, report.fell, FINDING_TITLES)),
        Panel("lead", lambda ax: charts.rate_bars(ax, report.lead, LEAD_TITLE, percent=True, titles=LEAD_TITLES,
                                                  mine_label="команда", team=False), (6, 2)),
    ]


def _seller_notes(card: SellerScorecard) -> list[str]:
    return [n for n in (_timing_note(card.timed_by_analysis), _review_note(card.reviews)) if n]


def _team_notes(report: TeamReport) -> list[str]:
    return [n for n in (_timing_note(report.timed_by_analysis),
                        f"Продавцы с числом звонков меньше {report.min_calls} не оцениваются.") if n]


def seller_page(card: SellerScorecard, stage_titles: Mapping[str, str] = {}, review_url: str | None = None) -> Figure:
    picks = [(_pick_text(k, p), _pick_link(p, review_url)) for k, p in _pick_rows(card)]
    with charts.style():
        fig = Figure(figsize=A4, layout="constrained")
        if not card.enough:
            grid = fig.add_gridspec(3, 1, height_ratios=[1.5, 1.2, 5])
            _header(fig.add_subplot(grid[0]), card, seller_facts(card), _seller_notes(card))
            ax = fig.add_subplot(grid[1])
            ax.axis("off")
            ax.text(0.5, 0.5, f"Недостаточно звонков: {card.calls} из минимум {card.min_calls}.\n{NOT_ENOUGH}",
                    ha="center", va="center", fontsize=11, transform=ax.transAxes)
            _lines(fig.add_subplot(grid[2]), "Звонки для прослушивания", picks)
            return fig
        grid = fig.add_gridspec(5, 2, height_ratios=[1.5, 2.0, 2.2, 1.6, 1.0])
        _header(fig.add_subplot(grid[0, :]), card, seller_facts(card), _seller_notes(card))
        trend, stages, findings, lead = _seller_panels(card, stage_titles)
        for panel, cell in ((trend, grid[1, :]), (stages, grid[2, 0]), (findings, grid[2, 1]), (lead, grid[3, 0])):
            panel.draw(fig.add_subplot(cell))
        _table(fig.add_subplot(grid[3, 1]), "Разговор (среднее)", _talk_rows(card.talk, card.team_talk),
               ("", card.seller, "команда"))
        _lines(fig.add_subplot(grid[4, :]), "Звонки для прослушивания", picks)
    return fig


def team_page(report: TeamReport, stage_titles: Mapping[str, str] = {}) -> Figure:
    with charts.style():
        fig = Figure(figsize=A4, layout="constrained")
        grid = fig.add_gridspec(5, 2, height_ratios=[1.3, 2.2, 2.4, 2.0, 1.2])
        _header(fig.add_subplot(grid[0, :]), report, team_facts(report), _team_notes(report))
        cells = (grid[1, 0], grid[1, 1], grid[2, :], grid[3, 0], grid[3, 1])
        for panel, cell in zip(_team_panels(report, stage_titles), cells):
            panel.draw(fig.add_subplot(cell))
        _table(fig.add_subplot(grid[4, :]), "Разговор (среднее по команде)", _talk_rows(report.talk, None),
               ("", "команда"))
    return fig


# --- HTML --------------------------------------------------------------------------------

_CSS = """body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:60em;margin:2em auto;color:#222}
h1{margin-bottom:0}.sub{color:#666;margin-top:.2em}table{border-collapse:collapse;margin:.5em 0}
td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}.note{font-style:italic}
.warn{font-size:1.2em;padding:1em;background:#fff3cd}img{max-width:100%}
@media print{body{margin:0}img{page-break-inside:avoid}}"""


def _html_table(rows: Sequence[Sequence[str]], head: Sequence[str] | None = None) -> str:
    top = "<tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in head) + "</tr>" if head else ""
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table>{top}{body}</table>"


def _html_doc(report: Report, facts: Sequence[tuple[str, str]], notes: Sequence[str], body: str) -> str:
    title, sub = _title(report)
    rows = [(html.escape(k), f"<b>{html.escape(v)}</b>") for k, v in facts]
    notes_html = "".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    return (f'<!DOCTYPE html><html lang="ru"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1><p class=\"sub\">{html.escape(sub)}</p>"
            f"{_html_table(rows)}{notes_html}{body}</body></html>\n")


def _imgs(panels: Sequence[Panel]) -> str:
    return "".join(f'<p><img alt="{html.escape(p.name)}" src="{charts.data_uri(charts.single(p.draw, p.size))}"></p>'
                   for p in panels)


def _html_link(url: str | None) -> str:
    return f'<a href="{html.escape(url)}">открыть на {html.escape(url.split("?t=")[-1])} с</a>' if url else "—"


def _html_picks(card: SellerScorecard, review_url: str | None) -> str:
    rows = [(html.escape(_pick_text(k, p)), _html_link(_pick_link(p, review_url)),
             html.escape(mask_phone_numbers(Path(p.path).name))) for k, p in _pick_rows(card)]
    return "<h2>Звонки для прослушивания</h2>" + _html_table(rows, ("звонок", "открыть", "запись"))


def seller_html(card: SellerScorecard, stage_titles: Mapping[str, str] = {}, review_url: str | None = None) -> str:
    if not card.enough:
        body = (f'<p class="warn">Недостаточно звонков: {card.calls} из минимум {card.min_calls}. {NOT_ENOUGH}</p>'
                + _html_picks(card, review_url))
        return _html_doc(card, seller_facts(card), _seller_notes(card), body)
    talk = [tuple(html.escape(c) for c in r) for r in _talk_rows(card.talk, card.team_talk)]
    body = (_imgs(_seller_panels(card, stage_titles)) + "<h2>Разговор (среднее)</h2>"
            + _html_table(talk, ("", card.seller, "команда")) + _html_picks(card, review_url))
    return _html_doc(card, seller_facts(card), _seller_notes(card), body)


def team_html(report: TeamReport, stage_titles: Mapping[str, str] = {}) -> str:
    ranking = [(html.escape(r.seller), str(r.calls), _num(r.average_score, digits=1) if r.enough else "мало звонков",
                _pct(r.flagged_share) if r.enough else "–") for r in report.ranking]
    talk = [tuple(html.escape(c) for c in r) for r in _talk_rows(report.talk, None)]
    body = ("<h2>Рейтинг</h2>" + _html_table(ranking, ("продавец", "звонков", "средний балл", "на проверку"))
            + _imgs(_team_panels(report, stage_titles)[1:])  # the ranking is the table above
            + "<h2>Разговор (среднее по команде)</h2>" + _html_table(talk))
    return _html_doc(report, team_facts(report), _team_notes(report), body)


# --- files -------------------------------------------------------------------------------


def write_report(report: Report, fmt: Format, out: Path, stage_titles: Mapping[str, str] = {},
                 review_url: str | None = None) -> Path:
    """Write one report in one format to `out` (parents created); returns `out`.

    `review_url`: the review app's address, for the calls' links (none without it).
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "html":
        text = (team_html(report, stage_titles) if isinstance(report, TeamReport)
                else seller_html(report, stage_titles, review_url))
        out.write_text(text, encoding="utf-8")
        return out
    page = (team_page(report, stage_titles) if isinstance(report, TeamReport)
            else seller_page(report, stage_titles, review_url))
    with charts.style():
        if fmt == "pdf":
            with PdfPages(out, metadata={"Title": " — ".join(_title(report)), "Creator": "callqa"}) as pdf:
                pdf.savefig(page)
        else:
            page.savefig(out, format="png", dpi=100)
    return out
