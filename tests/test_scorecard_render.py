"""Rendering: self-contained HTML, an A4 PDF that pdftoppm turns into non-blank pages, PNG,
the nightly reports folder and the `callqa scorecard` command."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from matplotlib.backend_bases import RendererBase
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.table import Table
from matplotlib.text import Text
from matplotlib.transforms import Bbox
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.reports import charts
from pipeline.reports.current import write_current_reports
from pipeline.reports.period import parse_period
from pipeline.reports.queries import load_seller_scorecard, load_team_report
from pipeline.reports.links import review_url_from_env
from pipeline.reports.render import seller_html, seller_page, team_page, write_report
from pipeline.storage.db import open_database
from tests.scorecard_seed import seed

NOV = parse_period("2026-11")
A4_PT = (595, 842)  # points, portrait, as pdfinfo reports it
STAGE_TITLES = {"greeting": "Приветствие", "needs_discovery": "Выявление потребностей", "presentation": "Презентация",
                "meeting_proposal": "Предложение встречи", "farewell": "Прощание"}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, sessionmaker[Session]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('sc') / 'sc.db'}"
    sessions = open_database(url)
    with sessions.begin() as session:
        seed(session)
    return url, sessions


def pdf_pages(pdf: Path, out: Path) -> list[Path]:
    """The PDF's pages as PNG, through Debian's pdftoppm (poppler-utils)."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm not found: apt-get install poppler-utils (make tools)", pytrace=False)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(out / pdf.stem)], check=True)
    return sorted(out.glob(f"{pdf.stem}*.png"))


def assert_not_blank(png: Path) -> None:
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.std() > 10, f"{png} looks blank (pixel std {pixels.std():.1f})"
    assert (pixels < 128).mean() > 0.002, f"{png} has almost no ink"  # a text-only page has ~0.7%


@pytest.mark.parametrize("who", ["Анна", "team", "few"])
def test_render_html_pdf_png(seeded: tuple[str, sessionmaker[Session]], tmp_path: Path, who: str) -> None:
    _, sessions = seeded
    with sessions.begin() as session:
        report = (load_team_report(session, NOV) if who == "team" else
                  load_seller_scorecard(session, "Анна", NOV, min_calls=100 if who == "few" else 5))
    html = write_report(report, "html", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<img" in html or who == "few"
    assert not re.search(r'src="(?!data:)', html), "every image is embedded: the file stands alone"
    if who == "few":
        assert "Недостаточно звонков: 20 из минимум 100" in html and "%" not in html.split("</table>", 1)[1]
    elif who == "Анна":
        assert "callqa://" not in html and "no reviews yet" in html
    pdf = write_report(report, "pdf", tmp_path / "r.pdf")
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert size and (round(float(size[1])), round(float(size[2]))) == A4_PT
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVuSans" in fonts  # a font with Cyrillic, embedded
    pages = pdf_pages(pdf, tmp_path)
    assert len(pages) == 1
    for page in pages:
        assert_not_blank(page)
    png = write_report(report, "png", tmp_path / "r.png")
    assert_not_blank(png)


def test_nightly_reports_folder(seeded: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    _, sessions = seeded
    written = write_current_reports(sessions, tmp_path / "reports", date(2026, 11, 18))
    folder = tmp_path / "reports" / "2026-W47"
    names = sorted(p.name for p in written)
    assert names == sorted(f"{n}.{ext}" for n in ("team", "Анна", "Борис", "Вера", "Глеб", "Дина")
                           for ext in ("html", "pdf"))
    assert all(p.parent == folder and p.stat().st_size > 1000 for p in written)


def test_cli_scorecard(seeded: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    url, _ = seeded
    runner = CliRunner()
    out = tmp_path / "a.pdf"
    result = runner.invoke(app, ["scorecard", "Анна", "--period", "2026-11", "--format", "pdf", "--out", str(out),
                                 "--db", url])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(app, ["scorecard", "--team", "--from", "2026-11-02", "--to", "2026-11-15",
                                 "--out", str(tmp_path / "t.html"), "--db", url])
    assert result.exit_code == 0, result.output
    assert "Команда: 2026-11-02…2026-11-15" in (tmp_path / "t.html").read_text(encoding="utf-8")
    for bad in (["Никто", "--period", "2026-11"], ["Анна", "--period", "2026-13"], ["--team", "Анна"],
                ["Анна", "--period", "2026-11", "--from", "2026-11-01", "--to", "2026-11-02"]):
        result = runner.invoke(app, ["scorecard", *bad, "--db", url, "--out", str(tmp_path / "x.html")])
        assert result.exit_code == 2, (bad, result.output)


# --- readable pages: no text on text, no legend on a bar, no clipped cell --------------------


def drawn(fig: Figure) -> RendererBase:
    """Draw `fig` as the PNG is written (Agg, 100 dpi): layout done, every artist placed."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    with charts.style():
        canvas.draw()
    return canvas.get_renderer()


def shown_texts(fig: Figure) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()
            and (t.axes is None or t.axes.get_visible())]


def overlap(a: Bbox, b: Bbox, slack: float = 0.5) -> bool:
    """More than `slack` pixels of overlap both ways (two boxes that merely touch are fine)."""
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > slack) and (min(a.y1, b.y1) - max(a.y0, b.y0) > slack)


def text_collisions(fig: Figure) -> list[str]:
    renderer = drawn(fig)
    boxes = [(t, t.get_window_extent(renderer)) for t in shown_texts(fig)]
    return [f"«{a.get_text()}» overlaps «{b.get_text()}»" for i, (a, abox) in enumerate(boxes)
            for b, bbox in boxes[i + 1:] if overlap(abox, bbox)]


def legends_on_bars(fig: Figure) -> list[str]:
    renderer = drawn(fig)
    found = []
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        box = legend.get_window_extent(renderer)
        for bar in ax.patches:
            if isinstance(bar, Rectangle) and bar.get_width() > 0 and overlap(box, bar.get_window_extent(renderer)):
                found.append(f"{ax.get_title()}: the legend covers a bar at y={bar.get_y():.1f}")
    return found


def clipped_cells(fig: Figure) -> list[str]:
    renderer = drawn(fig)
    found = []
    for table in fig.findobj(Table):
        for (row, col), cell in table.get_celld().items():
            text, box = cell.get_text(), cell.get_window_extent(renderer)
            inner = text.get_window_extent(renderer)
            if text.get_text() and not (box.x0 <= inner.x0 and inner.x1 <= box.x1 and box.y0 <= inner.y0
                                        and inner.y1 <= box.y1):
                found.append(f"cell ({row}, {col}) «{text.get_text()}» is cut off")
        within = fig.bbox
        outer = table.get_window_extent(renderer)
        if not (within.x0 <= outer.x0 and outer.x1 <= within.x1):
            found.append("the table runs off the page")
    return found


@pytest.mark.parametrize("who", ["Анна", "Вера", "team", "few"])
def test_the_a4_page_is_readable(seeded: tuple[str, sessionmaker[Session]], who: str) -> None:
    _, sessions = seeded
    with sessions.begin() as session:
        report = (load_team_report(session, NOV) if who == "team" else
                  load_seller_scorecard(session, "Анна" if who == "few" else who, NOV,
                                        min_calls=100 if who == "few" else 5))
    page = team_page(report, STAGE_TITLES) if who == "team" else seller_page(report, STAGE_TITLES,
                                                                           "https://qa.example/review")
    assert text_collisions(page) == []
    assert legends_on_bars(page) == []
    assert clipped_cells(page) == []
    assert len(shown_texts(page)) > (8 if who == "few" else 40)  # the checks saw the page's words


def test_the_checks_catch_what_the_issue_saw() -> None:
    """The three checks above find the old faults: a value drawn on its label, a legend on a bar, a cut cell."""
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    ax.text(0, 0.9, "Звонков проанализировано", transform=ax.transAxes)
    ax.text(0.3, 0.9, "1 (команда: 6)", transform=ax.transAxes)
    ax.barh([0, 1], [100, 100], label="продавец")
    ax.legend(loc="lower right")
    table = ax.table(cellText=[["Доля речи продавца", "50%"]], colWidths=[0.1, 0.1], loc="upper left")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    assert any("Звонков проанализировано" in c for c in text_collisions(fig))
    assert legends_on_bars(fig)
    assert clipped_cells(fig) == ["cell (0, 0) «Доля речи продавца» is cut off"]


def test_calls_to_hear_link_to_the_review_app(seeded: tuple[str, sessionmaker[Session]], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _, sessions = seeded
    with sessions.begin() as session:
        card = load_seller_scorecard(session, "Анна", NOV)
    pick = card.worst[0]
    monkeypatch.setenv("CALLQA_REVIEW_URL", "https://qa.example/review/")
    assert review_url_from_env() == "https://qa.example/review"
    html = seller_html(card, {}, review_url_from_env())
    assert f'href="https://qa.example/review/call/{pick.analysis_id}?t={pick.second}"' in html
    assert "callqa://" not in html
    urls = [t.get_url() for t in seller_page(card, {}, "https://qa.example/review").findobj(Text) if t.get_url()]
    assert f"https://qa.example/review/call/{pick.analysis_id}?t={pick.second}" in urls
    no_base = seller_html(card, {}, None)
    assert "<a " not in no_base and "callqa://" not in no_base  # no link rather than a dead one
    assert not [t for t in seller_page(card, {}, None).findobj(Text) if t.get_url()]
    for bad in ("qa.example", "ftp://qa.example", "javascript:alert(1)", "https://"):
        monkeypatch.setenv("CALLQA_REVIEW_URL", bad)
        with pytest.raises(ValueError, match="CALLQA_REVIEW_URL"):
            review_url_from_env()
    monkeypatch.setenv("CALLQA_REVIEW_URL", "")
    assert review_url_from_env() is None


def test_a_bad_review_url_stops_the_commands_at_start(seeded: tuple[str, sessionmaker[Session]], tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.orchestration.run import check_settings

    url, _ = seeded
    monkeypatch.setenv("CALLQA_REVIEW_URL", "qa.example.ru")
    result = CliRunner().invoke(app, ["scorecard", "Анна", "--period", "2026-11", "--out", str(tmp_path / "a.html"),
                                      "--db", url])
    assert result.exit_code == 2 and "CALLQA_REVIEW_URL 'qa.example.ru'" in result.output
    assert not (tmp_path / "a.html").exists()
    with pytest.raises(ValueError, match="CALLQA_REVIEW_URL"):
        check_settings()  # `callqa run` checks it before the first call, not when the night's reports are due


def test_the_calls_to_hear_carry_no_client_number(seeded: tuple[str, sessionmaker[Session]], tmp_path: Path) -> None:
    """The phone system names a recording after the client's number; a report travels, so every
    format names the call with that number masked, and the call page's link still leads to it."""
    _, sessions = seeded
    with sessions.begin() as session:
        card = load_seller_scorecard(session, "Анна", NOV)
    client, line = "89161112233", "74951234567"
    pbx = f"/var/spool/asterisk/monitor/2026/11/02/in-{line}-{client}-20261102-093015-1793604615.11.flac"
    card = dataclasses.replace(card, best=tuple(dataclasses.replace(p, path=pbx) for p in card.best),
                               worst=tuple(dataclasses.replace(p, path=pbx) for p in card.worst))
    pick = card.worst[0]

    html = seller_html(card, {}, "https://qa.example")
    assert "in-[телефон]-[телефон]-20261102-093015-1793604615.11.flac" in html
    assert f'href="https://qa.example/call/{pick.analysis_id}?t={pick.second}"' in html
    drawn_texts = [t.get_text() for t in seller_page(card, {}, "https://qa.example").findobj(Text)]
    pdf_text = subprocess.run(["pdftotext", str(write_report(card, "pdf", tmp_path / "a.pdf")), "-"],
                              capture_output=True, text=True, check=True).stdout
    assert f"звонок {pick.analysis_id}" in pdf_text
    for shown in (html, *drawn_texts, pdf_text):
        for number in (client, line, client[1:], client[-7:]):
            assert number not in shown
