"""The charts of the reports, drawn by matplotlib on a given Axes.

Each function draws on an Axes it is handed, so the same chart goes into a
standalone image for the HTML page and into a panel of the A4 page for the PDF
and PNG. Figures are built with `matplotlib.figure.Figure`, never pyplot: no
global figure state, no GUI backend, safe in the nightly flow's worker.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from textwrap import fill

import matplotlib

matplotlib.use("Agg")  # no display on the servers that run the nightly flow

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from pipeline.reports.queries import FindingChange, Rate, RankRow, WeekPoint  # noqa: E402

MINE, TEAM, GOOD, BAD = "#1f77b4", "#9e9e9e", "#2ca02c", "#d62728"
# DejaVu Sans ships with matplotlib and has Cyrillic. Type 3 fonts keep the PDF's text as text
# (pdftotext reads the same words as from TrueType, 42) and write the PDF 3x faster: embedding
# TrueType subsets each font with fontTools, twice per file, most of a night's scorecards (issue 20)
STYLE: dict[str, object] = {"font.family": "DejaVu Sans", "font.size": 8, "pdf.fonttype": 3,
                            "axes.titlesize": 9, "axes.titleweight": "bold", "axes.spines.top": False,
                            "axes.spines.right": False}


@contextmanager
def style() -> Iterator[None]:
    with matplotlib.rc_context(STYLE):
        yield


def _legend_beside(ax: Axes) -> None:
    """The legend right of the chart: inside it, it covered the bars and the values under it."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, fontsize=7, frameon=False)


def _label(key: str, titles: Mapping[str, str]) -> str:
    return titles.get(key) or key.replace("_", " ")


def score_trend(ax: Axes, weeks: Sequence[WeekPoint], mine_label: str) -> None:
    """Mean score per week against the team's median; empty weeks are gaps, not zeros."""
    x = [w.week.strftime("%d.%m") for w in weeks]
    ax.plot(x, [w.average if w.average is not None else float("nan") for w in weeks],
            marker="o", color=MINE, label=mine_label)
    ax.plot(x, [w.team_median if w.team_median is not None else float("nan") for w in weeks],
            linestyle="--", marker="x", color=TEAM, label="медиана команды")
    for i, w in enumerate(weeks):
        if w.calls:
            ax.annotate(str(w.calls), (i, 2), ha="center", fontsize=6, color="#555555")
    # the band over 100 holds the legend: no score reaches it, so it never covers a point
    ax.set_ylim(0, 128)
    ax.set_yticks(range(0, 101, 20))
    ax.set_ylabel("балл")
    ax.set_xlabel("неделя с (число под точкой: звонков)")
    ax.set_title("Средний балл по неделям")
    ax.legend(loc="upper center", ncol=2, fontsize=7, frameon=False, borderaxespad=0.2)
    ax.grid(axis="y", alpha=0.3)


def rate_bars(ax: Axes, rates: Sequence[Rate], title: str, *, percent: bool,
              titles: Mapping[str, str] = {}, mine_label: str = "продавец", team: bool = True) -> None:
    """Horizontal bars: the seller against the team (a share, or a rate per 10 calls)."""
    scale = 100.0 if percent else 1.0
    labels = [_label(r.key, titles) for r in rates][::-1]
    ys = range(len(labels))
    height = 0.4 if team else 0.7
    mine = [(r.seller or 0.0) * scale for r in rates][::-1]
    ax.barh([y + (height / 2 if team else 0) for y in ys], mine, height=height, color=MINE, label=mine_label)
    if team:
        ax.barh([y - height / 2 for y in ys], [(r.team or 0.0) * scale for r in rates][::-1], height=height,
                color=TEAM, label="команда")
        _legend_beside(ax)
    for y, v in zip(ys, mine):
        ax.annotate(f"{v:.0f}%" if percent else f"{v:.1f}", (v, y + (height / 2 if team else 0)),
                    xytext=(2, 0), textcoords="offset points", va="center", fontsize=6)
    ax.set_yticks(list(ys), labels)
    # room right of the longest bar for its value
    widest = max([*mine, *((r.team or 0.0) * scale for r in rates)], default=0.0)
    ax.set_xlim(0, 125 if percent else max(widest * 1.3, 1.0))
    if percent:
        ax.set_xticks(range(0, 101, 25))
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    if not rates:
        _empty(ax)


def heatmap(ax: Axes, cells: Mapping[str, Mapping[str, float | None]], stages: Sequence[str],
            titles: Mapping[str, str] = {}) -> None:
    """Seller × stage: how often each seller's calls had each stage (red: rarely)."""
    sellers = list(cells)
    grid = [[(cells[s].get(st) if cells[s].get(st) is not None else float("nan")) for st in stages] for s in sellers]
    if not sellers:
        _empty(ax, "нет продавцов с достаточным числом звонков")
        return
    image = ax.imshow(grid, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    # wrapped, not slanted: slanted labels' boxes run into each other
    ax.set_xticks(range(len(stages)), [fill(_label(st, titles), 12) for st in stages], fontsize=7)
    ax.set_yticks(range(len(sellers)), sellers)
    for i, row in enumerate(grid):
        for j, v in enumerate(row):
            if v == v:  # not NaN
                ax.text(j, i, f"{v * 100:.0f}", ha="center", va="center", fontsize=7)
    ax.figure.colorbar(image, ax=ax, fraction=0.03, pad=0.02, format=lambda v, _: f"{v * 100:.0f}%")
    ax.set_title("Этапы по продавцам, % звонков")
    ax.spines[:].set_visible(False)


def ranking(ax: Axes, rows: Sequence[RankRow], median: float | None) -> None:
    """Sellers by mean score; those under the minimum are shown hatched, without a bar value."""
    shown = list(rows)[::-1]
    ys = range(len(shown))
    ax.barh(list(ys), [r.average_score or 0 for r in shown],
            color=[MINE if r.enough else "white" for r in shown],
            edgecolor=MINE)
    for y, r in zip(ys, shown):
        text = f"{r.average_score:.0f} ({r.calls})" if r.enough and r.average_score is not None \
            else f"мало звонков ({r.calls})"
        ax.annotate(text, (r.average_score or 0 if r.enough else 0, y), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=7)
    if median is not None:
        ax.axvline(median, color=TEAM, linestyle="--", label=f"медиана {median:.0f}")
        _legend_beside(ax)
    ax.set_yticks(list(ys), [r.seller for r in shown])
    ax.set_xlim(0, 110)
    ax.set_title("Рейтинг: средний балл (звонков)")
    if not rows:
        _empty(ax)


def changes(ax: Axes, rose: Sequence[FindingChange], fell: Sequence[FindingChange],
            titles: Mapping[str, str] = {}) -> None:
    """The finding types that rose (red) or fell (green) most, per 10 calls."""
    items = list(rose) + list(fell)
    ys = range(len(items))[::-1]
    ax.barh(list(ys), [c.change for c in items], color=[BAD if c.change > 0 else GOOD for c in items])
    ax.set_yticks(list(ys), [f"{_label(c.type, titles)} ({c.before:.1f}→{c.now:.1f})" for c in items])
    ax.axvline(0, color="black", linewidth=0.5)
    ax.set_title("Ошибки на 10 звонков:\nрост и спад к прошлому периоду")
    if not items:
        _empty(ax, "нет данных за прошлый период")


def _empty(ax: Axes, text: str = "нет данных") -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#777777")
    ax.set_xticks([])
    ax.set_yticks([])


def single(draw: Callable[[Axes], None], size: tuple[float, float] = (6.0, 3.0)) -> Figure:
    """One chart in its own figure, for the HTML page."""
    with style():
        fig = Figure(figsize=size, dpi=110, layout="constrained")
        draw(fig.add_subplot())
    return fig


def png_bytes(fig: Figure, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    with style():
        fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def data_uri(fig: Figure) -> str:
    """An embedded PNG, so the HTML report is one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii")
