"""Rendering: self-contained HTML, an A4 PDF that pdftoppm turns into non-blank pages, PNG,
the nightly reports folder and the `callqa scorecard` command."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.reports.current import write_current_reports
from pipeline.reports.period import parse_period
from pipeline.reports.queries import load_seller_scorecard, load_team_report
from pipeline.reports.render import write_report
from pipeline.storage.db import open_database
from tests.scorecard_seed import seed

NOV = parse_period("2026-11")
A4_PT = (595, 842)  # points, portrait, as pdfinfo reports it


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
        assert "callqa://call/" in html and "no reviews yet" in html
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
