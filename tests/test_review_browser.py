"""The review app in a real browser (issue 6): headless Chromium driven by Playwright.

Debian's `chromium` package (/usr/bin/chromium, `make tools` installs it) runs the
pages exactly as a QA lead's or a seller's browser would: the login form, the
queue's filter form, the call page's player, waveform and seek buttons
(static/call.js with the vendored wavesurfer.js), the review forms and the audit
trail, and the seller's view limits. Every page must run without a JavaScript
error or a failed request on the console.

`test_a_whole_review_by_keyboard_alone` is the QA lead's working day (issue 17):
from the queue to the next unreviewed call, play, jump to a finding, confirm one,
dismiss one with a reason, override the score, then «сохранить и следующий», with
no mouse and no reload, the audio playing and the page's scroll position kept
through every action.

`CALLQA_UPDATE_SCREENSHOTS=1` writes the README's screenshots
(docs/review-queue.png, docs/review-call.png, docs/review-seller.png); otherwise
they go to tmp_path, so a plain `make test` only checks that they can be taken.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from pipeline.review.privacy import number_tail
from pipeline.storage.reviews import review_state
from tests.conftest_review import ROLE_USERS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page, Response

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
# As root on a closed network: no sandbox, no GPU, and none of Chromium's background
# traffic (update checks, sync, QUIC probes), which would only be refused connections.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]
VIEWPORT = {"width": 1400, "height": 1000}
SEEK_TOLERANCE_S = 0.5
PLAYER = "document.getElementById('player')"
# Functions, not bare expressions: Playwright polls an expression with eval(), which the app's CSP forbids.
SEEKED_TO = f"""([seconds, tolerance]) => {{
    const player = {PLAYER};
    return !player.seeking && Math.abs(player.currentTime - seconds) < tolerance;
}}"""
REGIONS_DRAWN = """() => {
    const host = document.querySelector('#waveform').firstElementChild;
    return !!(host && host.shadowRoot) && host.shadowRoot.querySelectorAll("[part~='region']").length
        === document.querySelectorAll('[data-region]').length;
}"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
                    "(`make tools`, or `apt-get install chromium`)", pytrace=False)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need Playwright, in the dev extra: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@dataclass
class Tab:
    """One browser context (its own cookies) with one page, and what its console said."""

    page: Page
    base: str
    errors: list[str] = field(default_factory=list)
    expected: list[re.Pattern[str]] = field(default_factory=list)  # errors a test provoked on purpose

    def goto(self, path: str) -> Response | None:
        return self.page.goto(self.base + path)

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.expected)]


@pytest.fixture
def open_tab(browser: Browser, live_review: str) -> Iterator[Callable[[], Tab]]:
    """A factory of fresh tabs on the live app, each recording its console errors, uncaught
    exceptions and failed requests; `assert_clean` checks them."""
    contexts = []

    def make() -> Tab:
        context = browser.new_context(viewport=VIEWPORT, locale="ru-RU", timezone_id="Europe/Moscow")
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        tab = Tab(page, live_review)
        page.on("console", lambda msg: msg.type == "error" and tab.errors.append(f"console: {msg.text} ({page.url})"))
        page.on("pageerror", lambda exc: tab.errors.append(f"pageerror: {exc} ({page.url})"))
        page.on("response", lambda r: r.status >= 400 and tab.errors.append(f"HTTP {r.status}: {r.url}"))
        return tab

    yield make
    for context in contexts:
        context.close()


def assert_clean(*tabs: Tab) -> None:
    problems = [e for tab in tabs for e in tab.unexpected_errors()]
    assert not problems, "errors in the browser:\n" + "\n".join(problems)


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    """Where screenshots go: docs/ for the README when CALLQA_UPDATE_SCREENSHOTS=1, else tmp_path."""
    if os.environ.get("CALLQA_UPDATE_SCREENSHOTS") == "1":
        return ROOT / "docs"
    return tmp_path


@dataclass(frozen=True)
class StoredCall:
    analysis_id: int
    seller: str | None
    flagged: bool
    finding_types: frozenset[str]


def stored_calls(review_app) -> list[StoredCall]:
    """Every analysed call in the test's database, read behind the app's back."""
    from pipeline.storage.models import AnalysisRow, FindingRow, RecordingRow, ScoreRow, SellerRow

    with review_app.state.review.sessions.begin() as session:
        rows = session.execute(
            select(AnalysisRow.id, SellerRow.name, ScoreRow.flagged)
            .join(RecordingRow, RecordingRow.id == AnalysisRow.recording_id)
            .join(ScoreRow, ScoreRow.analysis_id == AnalysisRow.id)
            .outerjoin(SellerRow, SellerRow.id == RecordingRow.seller_id)
            .order_by(AnalysisRow.id)).all()
        types: dict[int, set[str]] = {}
        for aid, kind in session.execute(select(FindingRow.analysis_id, FindingRow.type)):
            types.setdefault(aid, set()).add(kind)
    return [StoredCall(aid, seller, bool(flagged), frozenset(types.get(aid, ()))) for aid, seller, flagged in rows]


def sign_in(tab: Tab, name: str) -> None:
    """Through the login form, as a person would: the queue redirects a stranger there first."""
    page = tab.page
    tab.goto("/queue")
    assert "/login" in page.url, page.url
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", ROLE_USERS[name][2])
    with page.expect_navigation():
        page.click("form.login button[type=submit]")
    assert page.url.endswith("/queue"), page.url
    assert page.locator("header.top .me").inner_text().startswith(name)


@dataclass(frozen=True)
class ShownRow:
    analysis_id: int
    seller: str
    finding_types: tuple[str, ...]
    score: str


def queue_rows(tab: Tab) -> list[ShownRow]:
    rows = tab.page.locator("#queue tbody tr[data-analysis]")
    out = []
    for i in range(rows.count()):
        row = rows.nth(i)
        out.append(ShownRow(int(row.get_attribute("data-analysis")), row.locator("td.seller").inner_text().strip(),
                            tuple(row.locator("td.findings .tag").evaluate_all("els => els.map(e => e.dataset.type)")),
                            row.locator("td.num").inner_text().strip()))
    return out


def submit_filters(tab: Tab, **choices: str | bool) -> None:
    """Fill the queue's filter form (selects by value, `all` as the checkbox) and submit it."""
    page = tab.page
    form = page.locator("form#filters")
    for name, value in choices.items():
        if name == "all":
            form.locator("input[name=all]").set_checked(bool(value))
        else:
            form.locator(f"select[name={name}]").select_option(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.split("?")[0].endswith("/queue"), page.url


def player_time(tab: Tab) -> float:
    return float(tab.page.evaluate(f"{PLAYER}.currentTime"))


def wait_for_metadata(tab: Tab) -> None:
    tab.page.wait_for_function(f"() => {PLAYER}.readyState >= 1 && {PLAYER}.duration > 0")


def seek_by_click(tab: Tab, locator: Locator, expected: float) -> None:
    """Click an element with data-seek and check the player jumped to `expected` seconds."""
    tab.page.evaluate(f"{PLAYER}.pause(); {PLAYER}.currentTime = 0")
    locator.click()
    tab.page.wait_for_function(SEEKED_TO, arg=[expected, SEEK_TOLERANCE_S])
    tab.page.evaluate(f"{PLAYER}.pause()")
    # it may have played on for a while on a loaded machine, but never from anywhere else
    assert player_time(tab) >= expected - SEEK_TOLERANCE_S


def narrow_regions(page: Page, duration: float) -> list[tuple[float, float]]:
    """The page's regions (start, end) but those about the whole call."""
    spans = page.locator("[data-region]").evaluate_all(
        "els => els.map(e => [parseFloat(e.dataset.start), parseFloat(e.dataset.end)])")
    return [(a, max(b, a + 0.5)) for a, b in spans if b - a < 0.9 * duration]


def a_call_with_findings(calls: list[StoredCall]) -> StoredCall:
    """The flagged call with the most finding types: the most to see on its page."""
    flagged = [c for c in calls if c.flagged and c.finding_types]
    assert flagged, f"no flagged demo call with findings: {calls}"
    return max(flagged, key=lambda c: (len(c.finding_types), -c.analysis_id))


# --- the tests -----------------------------------------------------------------------------------------------


def test_lead_signs_in_filters_the_queue_and_opens_a_call(open_tab, review_app, shots: Path) -> None:
    calls = stored_calls(review_app)
    tab = open_tab()
    page = tab.page
    sign_in(tab, "lead")

    # the default queue: flagged calls only, every one of them
    shown = queue_rows(tab)
    assert {r.analysis_id for r in shown} == {c.analysis_id for c in calls if c.flagged}

    # every call, then one seller's: the rows change to exactly that seller's calls
    submit_filters(tab, all=True)
    everything = queue_rows(tab)
    assert {r.analysis_id for r in everything} == {c.analysis_id for c in calls}
    assert len(everything) > len(shown)
    # the README's picture of the queue: the viewport's width, down to the end of the page's content
    bottom = page.evaluate("() => document.querySelector('main').getBoundingClientRect().bottom")
    page.screenshot(path=str(shots / "review-queue.png"),
                    clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": min(VIEWPORT["height"], bottom + 8)})
    sellers = sorted({c.seller for c in calls if c.seller})
    seller = next(s for s in sellers if 0 < sum(c.seller == s for c in calls) < len(calls))
    submit_filters(tab, seller=seller)
    assert "seller=" in page.url and page.locator("select[name=seller]").input_value() == seller
    assert page.locator("input[name=all]").is_checked()  # the form keeps what was chosen
    by_seller = queue_rows(tab)
    assert by_seller and all(r.seller == seller for r in by_seller), by_seller
    assert {r.analysis_id for r in by_seller} == {c.analysis_id for c in calls if c.seller == seller}
    assert len(by_seller) < len(everything)

    # a finding type, over every seller: each row shows that finding
    counts = {t: sum(t in c.finding_types for c in calls) for c in calls for t in c.finding_types}
    finding = next(t for t, n in sorted(counts.items()) if 0 < n < len(calls))
    submit_filters(tab, seller="", finding=finding)
    by_finding = queue_rows(tab)
    assert by_finding and all(finding in r.finding_types for r in by_finding), by_finding
    assert {r.analysis_id for r in by_finding} == {c.analysis_id for c in calls if finding in c.finding_types}
    assert len(by_finding) < len(everything)
    assert page.locator("#queue tbody tr[data-analysis]").count() == len(by_finding)
    assert page.locator("h1 small").inner_text().startswith(f"{len(by_finding)} звон")

    # «reset» brings the default queue back
    with page.expect_navigation():
        page.click("form#filters a[href='/queue']")
    assert {r.analysis_id for r in queue_rows(tab)} == {c.analysis_id for c in calls if c.flagged}

    # open a call by its link in the queue
    target = by_finding[0]
    submit_filters(tab, all=True, finding=finding)
    link = page.locator(f"#queue tr[data-analysis='{target.analysis_id}'] td:first-child a")
    name = link.inner_text().strip()
    with page.expect_navigation():
        link.click()
    assert page.url.endswith(f"/call/{target.analysis_id}"), page.url
    # the queue (a list, not logged) cuts phone numbers to their last digits; the call page shows them
    assert number_tail(page.locator("section.call-head h1").inner_text().strip()) == name
    assert page.locator(f"#findings article.finding[data-type='{finding}']").count() >= 1
    assert_clean(tab)


def test_call_page_plays_from_findings_and_transcript_lines(open_tab, review_app) -> None:
    call = a_call_with_findings(stored_calls(review_app))
    tab = open_tab()
    page = tab.page
    sign_in(tab, "lead")
    response = tab.goto(f"/call/{call.analysis_id}")
    assert response is not None and response.status == 200
    wait_for_metadata(tab)
    duration = float(page.evaluate(f"{PLAYER}.duration"))
    assert duration > 10
    assert page.evaluate(f"{PLAYER}.seekable.length > 0 && {PLAYER}.seekable.end(0) > 0"), "audio is not seekable"
    # each jump plays on from where it lands: at the slowest rate the check sees it land, however loaded
    # the machine is (at 1× a busy CPU let the player run past the tolerance before the check ran)
    page.evaluate(f"{PLAYER}.playbackRate = 0.0625")

    # a finding's ▶ button: the latest finding, so the jump is far from the start
    buttons = page.locator("#findings article.finding button.seek[data-seek]")
    assert buttons.count() >= 1
    starts = [float(buttons.nth(i).get_attribute("data-seek")) for i in range(buttons.count())]
    i = max(range(len(starts)), key=lambda k: starts[k])
    assert 0 <= starts[i] < duration
    seek_by_click(tab, buttons.nth(i), starts[i])

    # a transcript line seeks too (by click, and by Enter on the focused line)
    lines = page.locator("#transcript li.utt[data-seek]")
    assert lines.count() >= 4
    line_starts = [float(s) for s in lines.evaluate_all("els => els.map(e => e.dataset.seek)")]
    j = max(k for k, s in enumerate(line_starts) if abs(s - starts[i]) > 2 and s > 1)
    seek_by_click(tab, lines.nth(j), line_starts[j])
    k = next(k for k, s in enumerate(line_starts) if s > 1 and abs(s - line_starts[j]) > 2)
    page.evaluate(f"{PLAYER}.currentTime = 0")
    lines.nth(k).focus()
    page.keyboard.press("Enter")
    page.wait_for_function(SEEKED_TO, arg=[line_starts[k], SEEK_TOLERANCE_S])
    page.evaluate(f"{PLAYER}.pause()")

    # a stage's ▶ button in the stages table
    stage_buttons = page.locator("#stages button.seek[data-seek]")
    if stage_buttons.count():
        seek_by_click(tab, stage_buttons.last, float(stage_buttons.last.get_attribute("data-seek")))

    # the waveform: wavesurfer draws into a shadow root inside #waveform (Playwright's CSS pierces it)
    page.wait_for_function("() => document.querySelector('#waveform').firstElementChild?.shadowRoot")
    assert "недоступна" not in page.locator("#waveform").inner_text()
    canvases = page.locator("#waveform canvas")
    canvases.first.wait_for(state="attached")
    assert canvases.count() >= 1
    box = page.locator("#waveform").bounding_box()
    assert box and box["height"] >= 48 and box["width"] > 600

    # its regions: one per finding and per stage with evidence, labelled like the page's elements
    expected = page.locator("[data-region]").evaluate_all("els => els.map(e => e.dataset.label)")
    regions = page.locator("#waveform [part~='region']")
    page.wait_for_function(REGIONS_DRAWN)
    assert sorted(regions.all_inner_texts()) == sorted(expected)
    # the labels never print over each other (close regions stack theirs in lanes)
    boxes = page.locator("#waveform [part~='region-content']").evaluate_all(
        "els => els.filter(e => e.textContent.trim()).map(e => {"
        " const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, e.textContent]; })")
    assert len(boxes) == len(expected)
    overlapping = [(a[4], b[4]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
                   if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]]
    assert not overlapping, overlapping
    # the legend says which channel is whose
    assert sorted(t.split(": ")[1] for t in page.locator("#legend .chan").all_inner_texts()) == ["Клиент", "Продавец"]

    # clicking a finding's region on the waveform plays from the region's start
    kinds = page.locator("[data-region]").evaluate_all("els => els.map(e => e.dataset.region)")
    finding_regions = [k for k, kind in enumerate(kinds) if kind == "finding"]
    assert finding_regions
    region = regions.nth(finding_regions[-1])
    region_start = float(page.locator("[data-region]").nth(finding_regions[-1]).get_attribute("data-start"))
    seek_by_click(tab, region, region_start)

    # a click on the waveform outside the findings' regions plays from the second clicked, even
    # under a finding about the whole call (parallel_work), which must not swallow the click
    free = next(s for s in (0.6, 0.55, 0.65, 0.5, 0.7, 0.4, 0.8)
                if not any(a - 1 <= s * duration <= b + 1 for a, b in narrow_regions(page, duration)))
    page.evaluate(f"{PLAYER}.pause(); {PLAYER}.currentTime = 0")
    page.locator("#waveform").scroll_into_view_if_needed()
    box = page.locator("#waveform").bounding_box()  # in the viewport: measured after any scrolling
    page.mouse.click(box["x"] + box["width"] * free, box["y"] + box["height"] * 0.75)
    page.wait_for_function(SEEKED_TO, arg=[free * duration, 1.0])
    page.evaluate(f"{PLAYER}.pause()")
    assert_clean(tab)


def test_lead_reviews_in_place_by_mouse(open_tab, review_app) -> None:
    """The forms of the call page: each action is saved through the API and drawn in place, no reload."""
    call = a_call_with_findings(stored_calls(review_app))
    tab = open_tab()
    page = tab.page
    sign_in(tab, "lead")
    tab.goto(f"/call/{call.analysis_id}")
    assert page.locator("#no-actions").is_visible()
    automatic = page.locator("#score").inner_text().strip()
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads

    # dismiss the first finding with a reason from the list and a comment
    finding = page.locator("#findings article.finding").first
    title = finding.locator("header b").inner_text().strip()
    finding.locator("select[name=reason]").select_option("client_caused")
    finding.locator("input[name=comment]").fill("клиент сам перебил, ошибки нет")
    finding.locator("button[value=dismiss_finding]").click()
    decided = page.locator("#finding-0 .badge.decision")
    decided.wait_for(state="visible")
    assert decided.inner_text() == "отклонено: Вызвано клиентом · lead"
    assert "dismiss_finding" in page.locator("#finding-0").get_attribute("class")  # drawn faded

    # override the score, with a reason
    new_score = "97" if automatic != "97" else "93"
    form = page.locator("#override-form")
    form.locator("input[name=score]").fill(new_score)
    form.locator("input[name=comment]").fill("этап закрытия был, распознавание ошиблось")
    form.locator("button[value=override_score]").click()
    page.wait_for_function("(s) => document.getElementById('score').textContent.trim() === s", arg=new_score)

    # a stage detected as present, marked absent
    stage = page.locator("#stages tr.stage.present").first
    stage_id = stage.get_attribute("data-stage")
    stage.locator("button[value=stage_absent]").click()
    page.wait_for_function("(s) => document.querySelector(`#stages tr[data-stage='${s}']`).classList.contains('absent')",
                           arg=stage_id)
    assert page.evaluate("() => window.__sameDocument === true"), "the page reloaded"

    # all in the audit trail as drawn in place, and the same after a reload (what was stored)
    for _ in range(2):
        trail = page.locator("#review table.trail tbody tr")
        assert trail.count() == 3
        assert page.locator(f"#stages tr.stage.absent[data-stage='{stage_id}']").count() == 1
        dismissed = page.locator("#review tr.dismiss_finding td")
        assert [dismissed.nth(i).inner_text().strip() for i in (1, 2, 3, 5)] == [
            "lead", "отклонено", f"{title} #0", "Вызвано клиентом: клиент сам перебил, ошибки нет"]
        overridden = page.locator("#review tr.override_score td")
        assert [overridden.nth(i).inner_text().strip() for i in (1, 2, 4, 5)] == [
            "lead", "балл исправлен", new_score, "этап закрытия был, распознавание ошиблось"]
        page.reload()
    assert f"автоматический {automatic}" in page.locator("section.call-head .score-line").inner_text()

    # the queue shows the corrected score, marked as a manual one, and the dismissal
    tab.goto("/queue?all=1&reviewed=any")
    row = page.locator(f"#queue tr[data-analysis='{call.analysis_id}']")
    assert row.locator("td.num").inner_text().startswith(new_score)
    assert row.locator("td.num span[title]").count() == 1
    assert "отклонено 1" in row.locator("td.decisions").inner_text()
    assert_clean(tab)


def _scroll_y(page: Page) -> float:
    return float(page.evaluate("() => window.scrollY"))


def _playing(tab: Tab, after: float) -> None:
    """The player is still playing (or ran to the end): time goes on past `after`."""
    tab.page.wait_for_function(f"""(t) => {{ const p = {PLAYER}; return p.ended || (!p.paused && p.currentTime > t); }}""",
                               arg=after)


def test_a_whole_review_by_keyboard_alone(open_tab, review_app, shots: Path) -> None:
    tab = open_tab()
    page = tab.page
    sign_in(tab, "lead")
    first = queue_rows(tab)[0].analysis_id

    # the queue: N opens the next unreviewed call, the first row
    with page.expect_navigation():
        page.keyboard.press("n")
    assert page.url.endswith(f"/call/{first}"), page.url
    wait_for_metadata(tab)
    page.wait_for_function(REGIONS_DRAWN)
    findings = page.locator("#findings article.finding")
    assert findings.count() >= 1, "the first call of the queue has no finding to review"
    starts = [float(s) for s in findings.evaluate_all("els => els.map(e => e.dataset.start)")]
    other = min(1, len(starts) - 1)  # the finding to dismiss: the second, or the same one when it is alone
    page.evaluate("() => { window.__sameDocument = true; }")

    # ? opens the help, Escape closes it
    page.keyboard.press("?")
    assert page.locator("dialog#help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("dialog#help").is_visible()

    # Space plays; ] and [ change the speed, shown in the visible control; L and J move 5 s
    page.keyboard.press(" ")
    _playing(tab, 0.2)
    page.keyboard.press("]")
    assert page.evaluate(f"{PLAYER}.playbackRate") == 1.25 and page.locator("#speed").input_value() == "1.25"
    page.keyboard.press("[")
    assert page.evaluate(f"{PLAYER}.playbackRate") == 1.0
    before = player_time(tab)
    page.keyboard.press("l")
    assert player_time(tab) >= before + 4.5
    page.keyboard.press("j")
    assert abs(player_time(tab) - before) < 1.5

    # keys do nothing while typing: «n» in the transcript search is a letter, not a jump
    page.keyboard.press("/")
    page.keyboard.type("н")
    assert page.locator("#transcript-search").input_value() == "н"
    assert page.locator("article.finding.current").count() == 0
    page.keyboard.press("Escape")  # clears the search and leaves it

    # N jumps to the first finding: the audio seeks to it and plays on
    page.keyboard.press("n")
    page.wait_for_function(SEEKED_TO, arg=[starts[0], SEEK_TOLERANCE_S + 0.5])
    assert page.locator("#finding-0").get_attribute("class").count("current") == 1
    # the transcript follows: the line being played is highlighted
    page.wait_for_function("() => document.querySelectorAll('#lines li.utt.playing').length === 1")

    # C confirms it, in place: same document, same scroll, the audio still playing
    y, t = _scroll_y(page), player_time(tab)
    page.keyboard.press("c")
    page.locator("#finding-0 .badge.decision").wait_for(state="visible")
    assert page.locator("#finding-0 .badge.decision").inner_text() == "подтверждено · lead"
    assert _scroll_y(page) == y
    _playing(tab, t)

    # N, then D asks the reason: 1 picks the first of the standard's list, Enter dismisses
    page.keyboard.press("n")
    page.wait_for_function(SEEKED_TO, arg=[starts[other], SEEK_TOLERANCE_S + 0.5])
    y, t = _scroll_y(page), player_time(tab)
    page.keyboard.press("d")
    dialog = page.locator("dialog#dismiss-dialog")
    assert dialog.is_visible()
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_function("(i) => document.querySelector(`#finding-${i} .badge.decision`).textContent.startsWith('отклонено')",
                           arg=other)
    assert page.locator(f"#finding-{other} .badge.decision").inner_text() == "отклонено: Ошибка распознавания речи · lead"
    assert not dialog.is_visible()
    assert _scroll_y(page) == y
    _playing(tab, t)

    # O goes to the score override: type the score, Tab, the reason, Enter
    automatic = page.locator("#score").inner_text().strip()
    new_score = "77" if automatic != "77" else "78"
    y, t = _scroll_y(page), player_time(tab)
    page.keyboard.press("o")
    page.keyboard.type(new_score)
    page.keyboard.press("Tab")
    page.keyboard.type("приветствие было, его не распознали")
    page.keyboard.press("Enter")
    page.wait_for_function("(s) => document.getElementById('score').textContent.trim() === s", arg=new_score)
    assert _scroll_y(page) == y
    _playing(tab, t)
    assert page.evaluate("() => window.__sameDocument === true"), "an action reloaded the page"
    assert [r.strip() for r in page.locator("#review table.trail tbody tr td:nth-child(3)").all_inner_texts()] == [
        "подтверждено", "отклонено", "балл исправлен"]

    # the README's picture of a call page while it plays, after the review
    page.screenshot(path=str(shots / "review-call.png"), full_page=True)

    # S: «проверено» and on to the next call of the queue
    next_url = page.locator("#call").get_attribute("data-next")
    with page.expect_navigation():
        page.keyboard.press("s")
    assert page.url.endswith(next_url) and next_url != f"/call/{first}"
    with review_app.state.review.sessions.begin() as session:
        state = review_state(session, first)
    assert state.reviewed and state.score_override.score == float(new_score)
    assert [(a.kind, a.finding_idx, a.reason) for a in state.trail] == [
        ("confirm_finding", 0, None), ("dismiss_finding", other, "asr_error"), ("override_score", None, None),
        ("mark_reviewed", None, None)]
    # the reviewed call has left the default queue
    tab.goto("/queue")
    assert first not in {r.analysis_id for r in queue_rows(tab)}
    assert_clean(tab)


def test_seller_sees_only_their_calls_and_is_refused_another_sellers(open_tab, review_app, shots: Path) -> None:
    calls = stored_calls(review_app)
    _, seller, _ = ROLE_USERS["anna"]
    own = {c.analysis_id for c in calls if c.seller == seller}
    others = [c.analysis_id for c in calls if c.seller != seller]
    assert own and others, calls

    lead = open_tab()  # a lead signed in alongside shares nothing with the seller's browser
    sign_in(lead, "lead")
    tab = open_tab()
    page = tab.page
    sign_in(tab, "anna")
    assert page.locator("header.top .me").inner_text().endswith(seller)

    # «Мои звонки»: every call of theirs, flagged or not
    assert page.locator("h1").inner_text().startswith("Мои звонки")
    mine = queue_rows(tab)
    assert all(r.seller == seller for r in mine), mine
    assert {r.analysis_id for r in mine} == own
    # the seller drop-down offers only themselves
    assert [o for o in page.locator("select[name=seller] option").all_inner_texts() if o != "— все —"] == [seller]

    submit_filters(tab, all=True)
    every = queue_rows(tab)
    assert every and all(r.seller == seller for r in every), every
    assert {r.analysis_id for r in every} == own

    # their own call opens (with the appeal form, not the QA lead's buttons) ...
    response = tab.goto(f"/call/{sorted(own)[0]}")
    assert response is not None and response.status == 200
    assert page.locator("#override-form").count() == 0
    assert page.locator("button[value=dismiss_finding]").count() == 0
    assert page.locator("button[value=appeal_finding]").count() == page.locator("article.finding").count() > 0
    # ... another seller's does not, nor its audio
    tab.expected.append(re.compile(r"\b403\b"))  # Chromium logs every 4xx page it loads
    for other in others:
        response = tab.goto(f"/call/{other}")
        assert response is not None and response.status == 403, (other, response and response.status)
        assert "not one of your calls" in page.locator("p.error").inner_text()
        # the refusal keeps the navigation and the way out
        assert page.locator("#nav-queue").inner_text() == "Мои звонки" and page.locator("#sign-out").is_visible()
    response = tab.goto(f"/call/{others[0]}/audio")
    assert response is not None and response.status == 403

    # their own scorecard, in the app: the README's picture of a seller's view
    page.click("#nav-scorecards")
    page.wait_for_url("**/scorecards")
    cards = page.locator("section.scorecard")
    assert cards.count() == 1 and cards.first.get_attribute("data-seller") == seller
    page.screenshot(path=str(shots / "review-seller.png"), full_page=True)
    assert_clean(tab)
    # the lead's tab in the same browser still sees every call
    lead.goto("/queue?all=1")
    assert {r.analysis_id for r in queue_rows(lead)} == {c.analysis_id for c in calls}
    assert_clean(lead)


# --- issue 18: personal data masked by role, toned in the audio, clear views logged --------------------------

# The tone where the phone number was, as the browser itself decodes the file its player plays:
# zero crossings of the first channel over 0.2 s (a 1 kHz sine crosses 2000 times a second) and the peak.
TONE_AT = """async ([at]) => {
    const player = document.getElementById('player');
    const body = await (await fetch(player.currentSrc || player.src)).arrayBuffer();
    const audio = await new OfflineAudioContext(1, 1, 16000).decodeAudioData(body);
    const data = audio.getChannelData(0), rate = audio.sampleRate;
    const a = Math.floor((at - 0.1) * rate), b = Math.floor((at + 0.1) * rate);
    let crossings = 0, peak = 0;
    for (let i = a + 1; i < b; i++) {
        if ((data[i - 1] < 0) !== (data[i] < 0)) crossings++;
        peak = Math.max(peak, Math.abs(data[i]));
    }
    return [crossings / 2 / ((b - a) / rate), peak];
}"""


def _planted_line(tab: Tab, planted) -> str:
    return tab.page.locator("#lines li.utt").nth(planted.utterance).locator(".text").inner_text()


def test_seller_and_coach_see_masked_text_and_hear_a_tone_lead_sees_clear_text_logged(open_tab, review_app,
                                                                                      planted) -> None:
    from pipeline.privacy.tone import TONE_HZ
    from pipeline.storage.access_log import read_access_log
    from tests.conftest_review import PLANTED_NAME, PLANTED_PHONE

    url = f"/call/{planted.analysis_id}"
    middle = (planted.phone_start + planted.phone_end) / 2
    for name in ("anna", "coach"):
        tab = open_tab()
        sign_in(tab, name)
        tab.goto(url)
        page = tab.page
        assert _planted_line(tab, planted) == "Спасибо, Анна. Меня зовут [имя], мой номер [телефон]."
        assert page.locator("#masked-note").is_visible()
        html = page.content()
        assert PLANTED_PHONE not in html and PLANTED_NAME not in html and "89035556677" not in html
        # the line plays from its second, and what plays there is the tone, not the number
        wait_for_metadata(tab)
        line = page.locator("#lines li.utt").nth(planted.utterance)
        seek_by_click(tab, line, float(line.get_attribute("data-seek")))
        hz, peak = page.evaluate(TONE_AT, [middle])
        assert abs(hz - TONE_HZ) < 25 and abs(peak - 0.2) < 0.02, (name, hz, peak)
        before_hz, _ = page.evaluate(TONE_AT, [planted.line_start - 1.0])
        assert abs(before_hz - TONE_HZ) >= 25, (name, before_hz)  # the call itself outside the spans
        assert_clean(tab)

    sessions = review_app.state.review.sessions
    with sessions.begin() as session:
        assert read_access_log(session) == []  # nothing was shown in clear yet
    lead = open_tab()
    sign_in(lead, "lead")
    lead.goto(url)
    assert PLANTED_PHONE in _planted_line(lead, planted) and lead.page.locator("#masked-note").count() == 0
    wait_for_metadata(lead)
    with sessions.begin() as session:
        entries = read_access_log(session, analysis_id=planted.analysis_id)
    assert ("lead", "view_call") in [(e.user, e.action) for e in entries]
    assert ("lead", "stream_audio") in [(e.user, e.action) for e in entries]  # the player's first request
    assert {e.user for e in entries} == {"lead"}
    assert_clean(lead)
