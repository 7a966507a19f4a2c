"""Generate synthetic stereo inbound sales calls with ground truth, for callqa.

Each call is a scenario of turns (seller or client, text, pause after) for one company,
whose phrase bank (``--bank``, a module in ``banks/``; default the demo company «СтройДом»,
``banks/stroydom.py``, standard ``scripts_ref/stroydom.yaml``) gives every line, name,
product and knowledge-base fact; ``banks/SPEC.md`` describes a bank.  Each turn is
spoken by Festival's Russian voice (``msu_ru_nsh_clunits``, the only one), made into the seller's or the
client's voice with sox ``pitch``/``tempo``, and placed at its time on its speaker's
channel.  The mix gets low-level noise and the telephone band (``sinc 300-3400``) and
is written as 8 kHz 16-bit stereo FLAC.  Next to ``NAME.flac`` goes
``NAME.truth.json``: stages present, greeting elements, stage order, planted findings
(wrong_answer, multitasking_pause, ignored_question, evasive_answer, and poor_dispatching
in banks that have its lines) and announced holds with their times, every turn with its
times, and the per-speaker transcript; another company's calls also name their ``bank``
and ``company``, and are called ``BANK_SPLIT_NN``.

Splits: ``demo``, ``heldout`` and ``fresh`` draw from disjoint thirds of every phrase
bank and from different names, so detectors tuned on demo calls can be scored honestly on
the other splits; ``fresh`` is the one no detector developer has read.  A new company's
bank may have the ``fresh`` split only.  For the demo split of the demo bank the first six
calls are fixed scenarios (see ``DEMO_SCENARIOS``); everything else is random.  Output is
deterministic for a given bank, split and seed; synthesis is cached by text.

Usage::

    .venv/bin/python recordings/generate_calls.py --out recordings/samples --split demo --seed 1 --count 6
    .venv/bin/python recordings/generate_calls.py --out /work/heldout --split heldout --seed 1001 --count 24
    .venv/bin/python recordings/generate_calls.py --out /work/fresh --split fresh --seed 4242 --count 30
    .venv/bin/python recordings/generate_calls.py --bank NAME --standard scripts_ref/NAME.yaml \
        --out /work/NAME --seed 1 --count 40
    .venv/bin/python recordings/generate_calls.py --bank NAME --print-kb   # the standard's knowledge_base
    .venv/bin/python recordings/generate_calls.py --out /work/mono40 --mono /work/mono40-mono \
        --split heldout --seed 1601 --count 40 --client-shift 100,150,250,400   # docs/accuracy.md «Mono recordings»

Needs the Debian packages festival, festvox-ru and sox (with FLAC support), and numpy
and soundfile.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile as sf

sys.dont_write_bytecode = True  # recordings/ is the pipeline's inbox: leave no __pycache__ there
sys.path.insert(0, str(Path(__file__).resolve().parent))
import personal_data as pdata  # noqa: E402
import phrasebank as pb  # noqa: E402

VOICE = "msu_ru_nsh_clunits"
RATE = 8000
STAGE_IDS = ["greeting", "needs_discovery", "presentation", "meeting_proposal", "transfer", "farewell"]
STAGE_ORDER = {"greeting": 1, "needs_discovery": 2, "presentation": 3, "meeting_proposal": 4, "farewell": 5}
ELEMENTS = ["company_name", "seller_name", "offer_help"]
MIN_LEN, MAX_LEN = 40.0, 90.0
PD_MAX_LEN = 130.0  # a call with planted personal data has three or four more exchanges
PIECE_GAP_S = 0.08  # between the pieces of a line spoken piece by piece (--personal-data)
REPO = Path(__file__).resolve().parent.parent
DEFAULT_STANDARD = REPO / "scripts_ref" / "stroydom.yaml"  # the demo bank's (banks/stroydom.py)

# QA outcomes: how the seller handles a client's question.
# Dispatching cases, in banks that have the lines for them (the demo bank has none, so its
# calls and their random draws stay as they were).
DISPATCH_P = 0.25
DISPATCH_KINDS = ("bad_transfer", "absent_no_callback", "absent_callback", "passed_around")
OUTCOMES = {"correct": 0.42, "wrong": 0.18, "evasive": 0.07, "ignored": 0.10,
            "hold_correct": 0.12, "hold_wrong": 0.03, "deadair_correct": 0.08}


# --- numbers as words (Festival's voice cannot read digits) ---------------------------

# one list of Russian number words for the generator (personal_data.py dictates numbers with them)
_UNITS = {"m": pdata.UNITS, "f": ["", "одна", "две", *pdata.UNITS[3:]]}
_TEENS, _TENS, _HUNDREDS = pdata.TEENS, pdata.TENS, pdata.HUNDREDS


def plural(n: int, one: str, few: str, many: str) -> str:
    if 11 <= n % 100 <= 14:
        return many
    return one if n % 10 == 1 else few if 2 <= n % 10 <= 4 else many


def _below_1000(n: int, gender: str) -> list[str]:
    words = [_HUNDREDS[n // 100]]
    rest = n % 100
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
    else:
        words += [_TENS[rest // 10], _UNITS[gender][rest % 10]]
    return [w for w in words if w]


def num_words(n: int, gender: str = "m") -> str:
    """Cardinal number in the nominative, 1..999999 («две тысячи пятьсот»)."""
    if not 0 < n < 1_000_000:
        raise ValueError(f"number out of range: {n}")
    words: list[str] = []
    if n >= 1000:
        th = n // 1000
        words += _below_1000(th, "f") + [plural(th, "тысяча", "тысячи", "тысяч")]
    return " ".join(words + _below_1000(n % 1000, gender))


# --- scenario --------------------------------------------------------------------------

@dataclass
class Turn:
    speaker: str  # "seller" | "client"
    text: str
    stage: str | None = None
    pause_after: float | None = None  # forced silence after this turn
    pause_kind: str | None = None  # "dead_air" | "hold"
    finding: dict | None = None  # a finding whose span is this turn
    start: float = 0.0
    end: float = 0.0
    # personal data said in this turn (--personal-data): {"type", "text", "source"}, in order of
    # speech; the turn is then spoken piece by piece so each item gets its own seconds
    personal: list[dict] | None = None


@dataclass
class Plan:
    seller_channel: int
    greeting: bool
    elements: dict[str, bool]
    needs: list[str]  # needs-discovery topics, in order; empty: stage absent
    presentation: bool
    meeting: bool
    transfer: bool
    farewell: bool
    ending: str  # "farewell" | "abrupt" | "client_bye" | "transfer"
    order: str  # "normal" | "meeting_first" | "presentation_first"
    qas: list[dict]  # {"topic": fact id | "generic", "outcome": ..., optional "stated"}
    dead_air: float | None  # a standalone dead-air pause (seconds), or None
    scenario: str = "random"
    # a planted dispatching case (banks with DISPATCH_BANKS only): "bad_transfer",
    # "absent_no_callback", "passed_around", or the correct "absent_callback"
    dispatch: str | None = None


DEMO_SCENARIOS: dict[str, Plan] = {
    "perfect": Plan(0, True, dict.fromkeys(ELEMENTS, True), ["object", "volume", "timing"],
                    True, True, False, True, "farewell", "normal",
                    [{"topic": "delivery_podolsk", "outcome": "correct"},
                     {"topic": "hours_weekdays", "outcome": "correct"}], None, "perfect"),
    "seller_ch1_order": Plan(1, True, dict.fromkeys(ELEMENTS, True), ["volume", "budget"],
                             False, True, False, True, "farewell", "meeting_first",
                             [{"topic": "gas_block_price", "outcome": "correct"},
                              {"topic": "large_order_discount", "outcome": "evasive"}],
                             None, "seller_ch1_order"),
    "no_meeting_no_company": Plan(1, True, {"company_name": False, "seller_name": True, "offer_help": True},
                                  ["object", "volume"], True, False, False, True, "farewell", "normal",
                                  [{"topic": "delivery_moscow", "outcome": "correct"},
                                   {"topic": "generic", "outcome": "correct"}],
                                  None, "no_meeting_no_company"),
    "wrong_answer_dead_air": Plan(0, True, dict.fromkeys(ELEMENTS, True), ["object", "volume"],
                                  False, True, False, True, "farewell", "normal",
                                  [{"topic": "delivery_podolsk", "outcome": "wrong", "stated": "4000"},
                                   {"topic": "office_address", "outcome": "correct"}],
                                  15.0, "wrong_answer_dead_air"),
    "ignored_no_farewell": Plan(1, True, dict.fromkeys(ELEMENTS, True), ["timing", "payment"],
                                True, True, False, False, "abrupt", "normal",
                                [{"topic": "hours_weekdays", "outcome": "ignored"},
                                 {"topic": "generic", "outcome": "correct"}],
                                None, "ignored_no_farewell"),
    "hold_correct": Plan(0, True, dict.fromkeys(ELEMENTS, True), ["object", "volume"],
                         True, True, False, True, "farewell", "normal",
                         [{"topic": "gas_block_price", "outcome": "hold_correct"}],
                         None, "hold_correct"),
}


def _asked_here(fact: dict, presentation: bool) -> bool:
    """A fact whose answers use presentation wording is asked only where that stage is."""
    return presentation or not fact.get("only_with_presentation", False)


def random_plan(rng: random.Random, bank: pb.CompanyBank | None = None) -> Plan:
    b = bank or pb.default_bank()
    greeting = rng.random() < 0.88
    elements = {e: greeting and rng.random() < 0.8 for e in ELEMENTS}
    needs = rng.sample(list(b.NEEDS), rng.choice([1, 2, 2, 3])) if rng.random() < 0.85 else []
    presentation = rng.random() < 0.6
    transfer = rng.random() < 0.08
    meeting = not transfer and rng.random() < 0.7
    farewell = not transfer and rng.random() < 0.8
    ending = "farewell" if farewell else "transfer" if transfer else rng.choice(["abrupt", "client_bye"])
    order = "normal"
    if needs and rng.random() < 0.18:
        order = "meeting_first" if meeting and (not presentation or rng.random() < 0.6) else \
            "presentation_first" if presentation else "normal"
    topics = [t for t, fact in b.FACTS.items() if _asked_here(fact, presentation)]
    picked = rng.sample(topics, min(len(topics), rng.choice([1, 2, 2, 3])))  # a bank may have few facts
    if rng.random() < 0.35:
        picked.insert(rng.randrange(len(picked) + 1), "generic")
    qas, long_pauses = [], 0
    for topic in picked:
        outcome = rng.choices(list(OUTCOMES), weights=list(OUTCOMES.values()))[0]
        if topic == "generic" and outcome not in ("correct", "ignored"):
            outcome = "correct"
        if outcome.startswith(("hold", "deadair")):
            if long_pauses >= 1:
                outcome = outcome.split("_")[1]
            long_pauses += 1
        qas.append({"topic": topic, "outcome": outcome})
    dead_air = rng.uniform(12, 20) if long_pauses == 0 and rng.random() < 0.2 else None
    plan = Plan(rng.choice([0, 1]), greeting, elements, needs, presentation, meeting, transfer,
                farewell, ending, order, qas, dead_air)
    if pb.has_dispatch(b) and rng.random() < DISPATCH_P:
        plan.dispatch = rng.choice(DISPATCH_KINDS)
        if plan.dispatch == "bad_transfer":  # the call ends in the transfer, as a proper one does
            plan.transfer, plan.meeting, plan.farewell, plan.ending = True, False, False, "transfer"
            if plan.order == "meeting_first":
                plan.order = "normal"
    return plan


class Builder:
    """Turns a Plan into concrete turns, drawing phrasings from one split's banks."""

    def __init__(self, plan: Plan, rng: random.Random, split: str, ctx: dict[str, str],
                 bank: pb.CompanyBank | None = None, personal: tuple[random.Random, int] | None = None,
                 carriers: str | None = None):
        self.plan, self.rng, self.split, self.ctx = plan, rng, split, ctx
        self.b = bank or pb.default_bank()
        self.used: set[str] = set()
        # (its own random stream, exchanges a call): planted personal data; its own stream keeps
        # every other draw of the call as it is without --personal-data
        self.personal = personal
        self.carriers = carriers  # personal_data.py's carrier group; None: the split's

    def say(self, bank: pb.Bank, cap: bool = True, **extra: str) -> str:
        """A phrasing from the bank, preferring one this call has not used yet."""
        options = bank[self.split]
        fresh = [o for o in options if o not in self.used] or options
        choice = self.rng.choice(fresh)
        self.used.add(choice)
        return self.fill(choice, cap, **extra)

    def fill(self, template: str, cap: bool = True, **extra: str) -> str:
        text = template.format(**{**self.ctx, **extra})
        return text[0].upper() + text[1:] if cap else text

    def seller(self, text: str, stage: str | None = None, **kw) -> Turn:
        return Turn("seller", text, stage, **kw)

    def client(self, text: str, **kw) -> Turn:
        return Turn("client", text, **kw)

    # blocks
    def opening(self) -> list[Turn]:
        p = self.plan
        if p.greeting:
            text = self.say(self.b.GREET_HELLO)
            if p.elements["company_name"]:
                text += ", " + self.say(self.b.GREET_COMPANY, cap=False)
            if p.elements["seller_name"]:
                text += ", " + self.say(self.b.GREET_NAME, cap=False)
            text += ", " + self.say(self.b.GREET_OFFER, cap=False) if p.elements["offer_help"] else "."
            first = self.seller(text, "greeting")
        else:
            first = self.seller(self.say(self.b.NO_GREETING))
        opening = self.client(self.say(self.b.CLIENT_OPEN))
        if p.dispatch == "passed_around":  # the client was bounced around before this call
            opening.text += " " + self.say(self.b.PASSED_AROUND)
            opening.finding = {"type": "poor_dispatching", "kind": "client_complains_of_transfers"}
        return [first, opening]

    def needs(self) -> list[Turn]:
        turns: list[Turn] = []
        for i, topic in enumerate(self.plan.needs):
            q_bank, a_bank = self.b.NEEDS[topic]
            q = self.say(q_bank)
            if i and self.rng.random() < 0.5:
                q = self.say(self.b.SELLER_ACK) + " " + q
            turns += [self.seller(q, "needs_discovery"), self.client(self.say(a_bank))]
        return turns

    def presentation(self) -> list[Turn]:
        lines = self.rng.sample(self.b.PRESENTATION[self.split], self.rng.choice([1, 2]))
        turns = [self.seller(self.fill(t), "presentation") for t in lines]
        return turns + [self.client(self.say(self.b.PRESENT_REACTION))]

    def meeting(self) -> list[Turn]:
        return [self.seller(self.say(self.b.MEETING), "meeting_proposal"),
                self.client(self.say(self.b.MEETING_ACCEPT)),
                self.seller(self.say(self.b.MEETING_CONFIRM), "meeting_proposal")]

    def ending(self) -> list[Turn]:
        e = self.plan.ending
        if e == "farewell":
            return [self.client(self.say(self.b.CLIENT_CLOSE)),
                    self.seller(self.say(self.b.FAREWELL), "farewell"),
                    self.client(self.say(self.b.CLIENT_BYE))]
        if e == "transfer" and self.plan.dispatch == "bad_transfer":
            return [self.seller(self.say(self.b.BAD_TRANSFER), "transfer",
                                finding={"type": "poor_dispatching", "kind": "transfer_without_template"}),
                    self.client(self.say(self.b.TRANSFER_REPLY))]
        if e == "transfer":
            return [self.seller(self.say(self.b.TRANSFER), "transfer"), self.client(self.say(self.b.TRANSFER_REPLY))]
        if e == "client_bye":
            return [self.client(self.say(self.b.CLIENT_CLOSE)), self.client(self.say(self.b.CLIENT_ONLY_BYE))]
        return [self.client(self.say(self.b.ABRUPT_END))]

    def qa(self, spec: dict) -> list[Turn]:
        topic, outcome = spec["topic"], spec["outcome"]
        if topic == "generic":
            question, answer = self.rng.choice(self.b.GENERIC_QA[self.split])
            question, answer = self.fill(question), self.fill(answer)
            fact = None
        else:
            fact = self.b.FACTS[topic]
            question = self.say(fact["ask"])
            if outcome.endswith("wrong"):
                options = [w for w in fact["wrong"] if w[0] == spec.get("stated")] or fact["wrong"]
                stated, value = self.rng.choice(options)
            else:
                stated, value = fact["expected"], self.rng.choice(fact["correct"])
            answer = self.say(fact["answer"], v=value)
        ask = self.client(question)
        turns = [ask]
        if outcome == "ignored":
            change, reply = self.rng.choice(self.b.SUBJECT_CHANGE[self.split])
            ask.finding = {"type": "ignored_question", **({"fact": topic} if fact else {})}
            return turns + [self.seller(self.fill(change)), self.client(self.fill(reply))]
        if outcome == "evasive":
            turns.append(self.seller(self.say(self.b.EVASIVE),
                                     finding={"type": "evasive_answer", "fact": topic}))
            return turns + [self.client(self.say(self.b.EVASIVE_REACTION))]
        if outcome.startswith("hold"):
            turns.append(self.seller(self.say(self.b.HOLD_ANNOUNCE), pause_after=self.rng.uniform(8, 20),
                                     pause_kind="hold"))
            answer = self.say(self.b.AFTER_HOLD) + " " + answer
        if outcome.startswith("deadair"):
            turns += self.dead_air_after(ask, self.rng.uniform(12, 20))
        reply = self.seller(answer)
        if outcome.endswith("wrong"):
            reply.finding = {"type": "wrong_answer", "expected": fact["expected"], "stated": stated,
                             "fact": topic}
        turns.append(reply)
        if self.rng.random() < 0.4:
            turns.append(self.client(self.say(self.b.CLIENT_ACK)))
        return turns

    def absent(self) -> list[Turn]:
        """The client asks for a colleague who is not there; the seller offers a call-back or not."""
        turns = [self.client(self.say(self.b.ASK_COLLEAGUE))]
        if self.plan.dispatch == "absent_no_callback":
            turns.append(self.seller(self.say(self.b.ABSENT_NO_CALLBACK),
                                     finding={"type": "poor_dispatching", "kind": "absent_without_callback"}))
        else:
            turns.append(self.seller(self.say(self.b.ABSENT_CALLBACK)))
        return turns + [self.client(self.say(self.b.ABSENT_REACTION))]

    def dead_air_after(self, turn: Turn, seconds: float) -> list[Turn]:
        """Dead air after a client's turn; returns what is said to break it, if anything."""
        turn.pause_after, turn.pause_kind = seconds, "dead_air"
        r = self.rng.random()
        if r < 0.4:
            return [self.client(self.say(self.b.DEAD_AIR_CLIENT)), self.seller(self.say(self.b.DEAD_AIR_EXCUSE))]
        if r < 0.7:
            return [self.seller(self.say(self.b.RESUME))]
        return []

    def planted(self) -> list[list[Turn]]:
        """Exchanges in which the client says planted personal data (--personal-data)."""
        assert self.personal is not None
        prng, count = self.personal
        group = self.carriers or pdata.GROUP_OF_SPLIT[self.split]
        blocks = []
        for kind in pdata.pick_kinds(prng, count):
            question, pieces = pdata.exchange(kind, group, prng)
            text = "".join(p if isinstance(p, str) else p[1] for p in pieces)
            items = [{"type": p[0], "text": p[1], "source": "planted"} for p in pieces if not isinstance(p, str)]
            answer = self.client(text, personal=items)
            blocks.append(([self.seller(self.fill(question))] if question else []) + [answer])
        return blocks

    def build(self) -> list[Turn]:
        p = self.plan
        blocks = {"needs": self.needs() if p.needs else [],
                  "presentation": self.presentation() if p.presentation else [],
                  "meeting": self.meeting() if p.meeting else []}
        order = {"normal": ["needs", "presentation", "meeting"],
                 "meeting_first": ["meeting", "needs", "presentation"],
                 "presentation_first": ["presentation", "needs", "meeting"]}[p.order]
        body = [blocks[k] for k in order if blocks[k]]
        slots: list[list[list[Turn]]] = [[] for _ in range(len(body) + 1)]
        for spec in p.qas:
            # a KB question usually comes after some discovery; any slot is possible
            weights = [0.3] + [1.0] * (len(slots) - 1)
            slots[self.rng.choices(range(len(slots)), weights)[0]].append(self.qa(spec))
        if p.dispatch in ("absent_no_callback", "absent_callback"):
            slots[self.rng.randrange(len(slots))].append(self.absent())
        if self.personal is not None:  # anywhere after the opening, as the seller takes an order
            for block in self.planted():
                slots[self.personal[0].randrange(len(slots))].append(block)
        turns = self.opening()
        for i in range(len(body) + 1):
            for qa in slots[i]:
                turns += qa
            if i < len(body):
                turns += body[i]
        if p.dead_air:
            candidates = [i for i, t in enumerate(turns[1:-1], 1)
                          if t.speaker == "client" and t.pause_after is None and not t.text.endswith("?")
                          and turns[i + 1].speaker == "seller" and turns[i + 1].pause_after is None
                          and turns[i - 1].pause_after is None]
            if candidates:
                i = candidates[len(candidates) // 2] if p.scenario != "random" else self.rng.choice(candidates)
                turns[i + 1:i + 1] = self.dead_air_after(turns[i], p.dead_air)
        return turns + self.ending()


# --- audio -------------------------------------------------------------------------------

_SYNTH_OK = re.compile(r"^[А-Яа-я \-.,!?:;]+$")


def check_text(text: str) -> str:
    text = " ".join(text.replace("ё", "е").replace("Ё", "Е").split())
    if not _SYNTH_OK.match(text):
        raise ValueError(f"Festival's Russian voice cannot read: {text!r}")
    return text


def synthesize(text: str, cache: Path) -> Path:
    """Raw 16 kHz Festival speech for one line, cached by text."""
    key = hashlib.sha1(f"{VOICE}\n{text}".encode()).hexdigest()
    out = cache / f"{key}.wav"
    if out.exists():
        return out
    with tempfile.TemporaryDirectory() as tmp:
        src, wav = Path(tmp, "t.txt"), Path(tmp, "t.wav")
        src.write_text(text + "\n", encoding="utf-8")  # the voice takes UTF-8
        res = subprocess.run(["text2wave", "-eval", f"(voice_{VOICE})", str(src), "-o", str(wav)],
                             capture_output=True, text=True)
        if res.returncode or not wav.exists() or wav.stat().st_size < 1000 or "LTS_Ruleset" in res.stderr:
            raise RuntimeError(f"text2wave failed on {text!r}: {res.stderr.strip()[:300]}")
        shutil.move(str(wav), out)
    return out


def voiced(raw: Path, pitch: float, tempo: float) -> np.ndarray:
    """One speaker's version of a line: pitch/tempo shift, 8 kHz, trimmed, peak 1."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp, "v.wav")
        effects = (["pitch", f"{pitch:.0f}"] if abs(pitch) >= 1 else []) + ["tempo", "-s", f"{tempo:.3f}"]
        subprocess.run(["sox", "-D", str(raw), "-e", "floating-point", "-b", "32", "-r", str(RATE),
                        str(out), *effects], check=True, capture_output=True)
        audio, _ = sf.read(out, dtype="float32")
    if audio.ndim > 1:
        audio = audio.mean(axis=1)
    frame = RATE // 100
    n = len(audio) // frame
    rms = np.sqrt((audio[: n * frame].reshape(n, frame) ** 2).mean(axis=1) + 1e-12)
    loud = np.flatnonzero(rms > rms.max() * 10 ** (-50 / 20))
    a, b = max(loud[0] - 3, 0) * frame, min(loud[-1] + 4, n) * frame
    audio = audio[a:b]
    return audio / max(float(np.abs(audio).max()), 1e-6)


@dataclass
class Voice:
    pitch: float
    tempo: float
    gain: float


def pick_voices(rng: random.Random, seller_gender: str, client_gender: str) -> dict[str, Voice]:
    ranges = {"m": (-250, 100), "f": (200, 450)}
    seller_pitch = rng.uniform(*ranges[seller_gender])
    client_pitch = rng.uniform(*ranges[client_gender])
    for _ in range(100):
        if abs(client_pitch - seller_pitch) >= 250:
            break
        client_pitch = rng.uniform(-250, 450)
    return {"seller": Voice(seller_pitch, rng.uniform(0.95, 1.12), rng.uniform(0.4, 0.7)),
            "client": Voice(client_pitch, rng.uniform(0.92, 1.12), rng.uniform(0.35, 0.7))}


def with_client_shift(voices: dict[str, Voice], cents: float) -> dict[str, Voice]:
    """The client's voice `cents` from the seller's (``--client-shift``): up, unless that leaves
    the voices' range (about 450 cents over Festival's), then down. Only the pitch moves, so a
    set can be made with close voices (100 cents) to measure diarization where it is hardest."""
    seller_pitch = voices["seller"].pitch
    pitch = seller_pitch + cents if seller_pitch + cents <= 450 else seller_pitch - cents
    return {**voices, "client": replace(voices["client"], pitch=pitch)}


def personal_ranges(turn: Turn) -> list[tuple[int, int, dict]]:
    """Where each personal data item of a turn is in its text, in order."""
    out, pos = [], 0
    for item in turn.personal or []:
        said = check_text(item["text"])
        at = turn.text.find(said, pos)
        if at < 0:
            raise ValueError(f"personal data {said!r} is not in the line {turn.text!r}")
        out.append((at, at + len(said), item))
        pos = at + len(said)
    return out


def text_pieces(turn: Turn) -> list[tuple[str, dict | None]]:
    """A turn's text cut at its personal data: (text, item or None); punctuation alone goes with
    the piece before it (Festival says nothing for it)."""
    pieces: list[tuple[str, dict | None]] = []
    pos = 0
    for a, b, item in personal_ranges(turn):
        pieces += [(turn.text[pos:a], None), (turn.text[a:b], item)]
        pos = b
    pieces.append((turn.text[pos:], None))
    out: list[tuple[str, dict | None]] = []
    for text, item in pieces:
        if not re.search(r"[А-Яа-я]", text):
            if out and text.strip():
                out[-1] = (out[-1][0] + text.strip(), out[-1][1])
            continue
        out.append((text.strip().lstrip(",.;:!? "), item))  # Festival fails on a leading comma
    return out


# bank lines say personal data too: the client's {client_name}, a town ({city_in}), a phone in words
_NUMBER_WORD = r"(?:ноль|один|два|три|четыре|пять|шесть|семь|восемь|девять|десять|[а-я]+надцать|[а-я]+дцать|сорок|[а-я]+десят|девяносто|сто|двести|триста|[а-я]+ста|[а-я]+сот|плюс)"
_SPOKEN_PHONE = re.compile(rf"(?<![а-яА-Я]){_NUMBER_WORD}(?:[ ,]+{_NUMBER_WORD}){{5,}}", re.IGNORECASE)


def bank_personal(turn: Turn, ctx: dict[str, str]) -> list[dict]:
    """Personal data a client's bank line says (with --personal-data it is in the truth too)."""
    found: list[tuple[int, dict]] = []
    name = re.search(rf"(?<![А-Яа-я]){re.escape(ctx['client_name'])}(?![а-я])", turn.text)
    if name:
        found.append((name.start(), {"type": "name", "text": name.group(), "source": "bank"}))
    town = ctx["city_in"].split()[-1]
    at = turn.text.find(town)
    if at >= 0:
        found.append((at, {"type": "place", "text": town, "source": "bank"}))
    for m in _SPOKEN_PHONE.finditer(turn.text):
        found.append((m.start(), {"type": "phone", "text": m.group(), "source": "bank"}))
    return [item for _, item in sorted(found, key=lambda f: f[0])]


class Renderer:
    """Synthesises and voices lines, memoised per call (texts repeat across attempts)."""

    def __init__(self, voices: dict[str, Voice], cache: Path, jobs: int):
        self.voices, self.cache, self.jobs = voices, cache, jobs
        self.audio: dict[tuple[str, str], np.ndarray] = {}
        # a line spoken piece by piece: each personal data item's (start, end) seconds in it
        self.offsets: dict[tuple[str, str], list[tuple[float, float]]] = {}

    def render(self, turns: list[Turn]) -> None:
        pieced = {(t.speaker, t.text): text_pieces(t) for t in turns if t.personal}
        todo = sorted({(t.speaker, t.text) for t in turns} - set(self.audio))
        lines = sorted({(sp, text) for sp, tx in todo for text, _ in pieced.get((sp, tx), [(tx, None)])})

        def work(item: tuple[str, str]) -> np.ndarray:
            v = self.voices[item[0]]
            return voiced(synthesize(item[1], self.cache), v.pitch, v.tempo)

        with ThreadPoolExecutor(self.jobs) as pool:
            voiced_lines = dict(zip(lines, pool.map(work, lines)))
        gap = np.zeros(int(PIECE_GAP_S * RATE), dtype=np.float32)
        for speaker, text in todo:
            if (speaker, text) not in pieced:
                self.audio[(speaker, text)] = voiced_lines[(speaker, text)]
                continue
            parts, offsets, t = [], [], 0.0
            for piece, item in pieced[(speaker, text)]:
                audio = voiced_lines[(speaker, piece)]
                if item is not None:
                    offsets.append((t, t + len(audio) / RATE))
                parts += [audio, gap]
                t += (len(audio) + len(gap)) / RATE
            self.audio[(speaker, text)] = np.concatenate(parts[:-1])
            self.offsets[(speaker, text)] = offsets

    def duration(self, t: Turn) -> float:
        return len(self.audio[(t.speaker, t.text)]) / RATE


def layout(turns: list[Turn], r: Renderer, rng: random.Random) -> float:
    """Assign start/end times to turns; returns the call length.

    Gaps run from the end of all speech so far, so a speaker never overlaps himself;
    a short talk-over happens only at a change of speaker into a longer turn.
    """
    t = rng.uniform(0.3, 0.9)
    spoken_end = 0.0
    for i, turn in enumerate(turns):
        turn.start = round(t, 2)
        turn.end = round(t + r.duration(turn), 2)
        spoken_end = max(spoken_end, turn.end)
        nxt = turns[i + 1] if i + 1 < len(turns) else None
        if turn.pause_after:
            t = spoken_end + turn.pause_after
        elif (nxt and nxt.speaker != turn.speaker and turn.end == spoken_end and r.duration(nxt) > 1.2
              and not nxt.pause_after and i > 0 and not turns[i - 1].pause_after and rng.random() < 0.06):
            t = turn.end - rng.uniform(0.2, 0.6)  # a short talk-over
        else:
            t = spoken_end + rng.uniform(0.3, 1.2)
    return round(spoken_end + rng.uniform(0.4, 1.0), 2)


def mix(turns: list[Turn], r: Renderer, length: float, seller_channel: int, noise_db: float,
        seed: int) -> np.ndarray:
    out = np.zeros((int(length * RATE) + 1, 2), dtype=np.float32)
    for t in turns:
        ch = seller_channel if t.speaker == "seller" else 1 - seller_channel
        audio = r.audio[(t.speaker, t.text)] * r.voices[t.speaker].gain
        a = int(round(t.start * RATE))
        out[a:a + len(audio), ch] += audio[: len(out) - a]
    nrng = np.random.default_rng(seed)
    sigma = 10 ** (noise_db / 20)
    for ch in (0, 1):
        out[:, ch] += nrng.normal(0, sigma * nrng.uniform(0.8, 1.25), len(out)).astype(np.float32)
    return np.clip(out, -0.98, 0.98)


def mono_mix(stereo: np.ndarray) -> np.ndarray:
    """Both channels summed into one, as a PBX that records mono (Asterisk's MixMonitor) writes them."""
    return np.clip(stereo.sum(axis=1), -0.98, 0.98)


def write_flac(audio: np.ndarray, path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp, "mix.wav")
        sf.write(wav, audio, RATE, subtype="FLOAT")
        subprocess.run(["sox", "-D", str(wav), "-b", "16", "-C", "8", str(path), "sinc", "300-3400"],
                       check=True, capture_output=True)


# --- truth -------------------------------------------------------------------------------

def personal_truth(turns: list[Turn], r: Renderer) -> list[dict]:
    """Each personal data item said, with its seconds on the call's timeline."""
    out = []
    for i, t in enumerate(turns):
        if not t.personal:
            continue
        for (a, b), item in zip(r.offsets[(t.speaker, t.text)], t.personal):
            out.append({"type": item["type"], "text": check_text(item["text"]), "speaker": t.speaker,
                        "source": item["source"], "turn": i,
                        "start": round(t.start + a, 2), "end": round(t.start + b, 2)})
    return out


def truth(name: str, split: str, plan: Plan, turns: list[Turn], seller_name: str) -> dict:
    findings, holds = [], []
    spoken_end = 0.0
    for i, t in enumerate(turns):
        spoken_end = max(spoken_end, t.end)
        if t.finding:
            findings.append({"type": t.finding["type"], "start": t.start, "end": t.end,
                             **{k: v for k, v in t.finding.items() if k != "type"}})
        if t.pause_after:
            span = {"start": round(spoken_end, 2), "end": turns[i + 1].start}
            if t.pause_kind == "hold":
                holds.append({"type": "announced_hold", **span})
            else:
                findings.append({"type": "multitasking_pause", **span})
    findings.sort(key=lambda f: f["start"])
    stages = {s: any(t.stage == s for t in turns) for s in STAGE_IDS}
    firsts = sorted((min(t.start for t in turns if t.stage == s), STAGE_ORDER[s])
                    for s in STAGE_ORDER if stages[s])
    order = [o for _, o in firsts]
    return {
        "recording": f"{name}.flac",
        "scenario": name,  # survives renaming the file (the demo calls carry FreePBX names)
        "split": split,
        "channels": {"seller": plan.seller_channel, "client": 1 - plan.seller_channel},
        "seller_name": seller_name,
        "stages": stages,
        "greeting_elements": dict(plan.elements),
        "stage_order_broken": order != sorted(order),
        "findings": findings,
        "holds": holds,
        "turns": [{"speaker": t.speaker, "start": t.start, "end": t.end, "text": t.text} for t in turns],
        "transcript": {s: " ".join(t.text for t in turns if t.speaker == s) for s in ("seller", "client")},
    }


# --- one call ------------------------------------------------------------------------------

def spoken_amount(rng: random.Random, spec: dict) -> str:
    """A random amount said in words: «двадцать два куба», «пять тысяч штук» (see UNITS)."""
    n = rng.randrange(spec["min"], spec["max"] + 1, spec["step"])
    words = f"{num_words(n, spec['gender'])} {plural(n, *spec['forms'])}"
    return f"{words} {spec['after']}" if spec.get("after") else words


def call_context(rng: random.Random, split: str, bank: pb.CompanyBank | None = None
                 ) -> tuple[dict[str, str], tuple[str, str], tuple[str, str]]:
    b = bank or pb.default_bank()
    seller = rng.choice(b.SELLERS[split])
    client = rng.choice(b.CLIENTS[split])
    product = b.PRODUCTS[rng.choice(list(b.PRODUCTS))]
    obj_acc, obj_gen = rng.choice(b.OBJECTS)
    qty = spoken_amount(rng, b.UNITS[product["unit"]])
    budget = spoken_amount(rng, b.BUDGET)
    fem, cfem = seller[1] == "f", client[1] == "f"
    ctx = {"name": seller[0], "a": "а" if fem else "", "ca": "а" if cfem else "",
           "ready": "готова" if fem else "готов", "useful": "полезна" if fem else "полезен",
           "distracted": "отвлеклась" if fem else "отвлекся", "company": b.COMPANY,
           "p_nom": product["nom"], "p_gen": product["gen"], "p_acc": product["acc"],
           "p_need": product["need"], "obj_acc": obj_acc, "obj_gen": obj_gen,
           "city_in": rng.choice(b.CITIES), "qty": qty, "budget": budget,
           "dt": rng.choice(b.MEETING_TIMES[split]), "client_name": client[0]}
    return ctx, seller, client


def adjust(plan: Plan, length: float, rng: random.Random, bank: pb.CompanyBank | None = None) -> Plan:
    """Lengthen or shorten a plan that came out outside 40-90 s, keeping its point."""
    b = bank or pb.default_bank()
    if length < MIN_LEN:
        spare = [t for t in b.NEEDS if t not in plan.needs]
        if plan.needs and spare and rng.random() < 0.5:
            return replace(plan, needs=plan.needs + [rng.choice(spare)])
        used = {q["topic"] for q in plan.qas}
        free = [t for t, fact in b.FACTS.items() if t not in used and _asked_here(fact, plan.presentation)]
        topic = rng.choice(free) if free else "generic"
        return replace(plan, qas=plan.qas + [{"topic": topic, "outcome": "correct"}])
    plain = [i for i, q in enumerate(plan.qas) if q["outcome"] == "correct"]
    if plain and len(plan.qas) > 1:
        return replace(plan, qas=[q for i, q in enumerate(plan.qas) if i != plain[-1]])
    if len(plan.needs) > 1:
        return replace(plan, needs=plan.needs[:-1])
    return replace(plan, presentation=False) if plan.presentation else plan


def generate_call(name: str, split: str, seed: int, index: int, scenario: str, out: Path,
                  cache: Path, jobs: int, bank: pb.CompanyBank | None = None,
                  client_shift: float | None = None, mono: Path | None = None, personal: int = 0,
                  carriers: str | None = None) -> dict:
    b = bank or pb.default_bank()
    # another company's calls get their own random streams (the demo bank's stay as they were)
    stream = split if b.NAME == pb.DEFAULT_BANK else f"{b.NAME}:{split}"
    rng = random.Random(f"callqa:{stream}:{seed}:{index}")
    ctx, seller, client = call_context(rng, split, b)
    plan = DEMO_SCENARIOS[scenario] if scenario != "random" else random_plan(rng, b)
    voices = pick_voices(rng, seller[1], client[1])
    if client_shift is not None:  # after pick_voices, so every other random draw stays as it was
        voices = with_client_shift(voices, client_shift)
    if split == "demo" and scenario != "random":
        noise_db = rng.uniform(-72, -64)  # quiet: the committed samples must stay small
    else:
        noise_db = rng.uniform(-44, -36) if rng.random() < 0.25 else rng.uniform(-60, -46)
    renderer = Renderer(voices, cache, jobs)
    max_len = PD_MAX_LEN if personal else MAX_LEN
    for attempt in range(12):
        arng = random.Random(f"callqa:{stream}:{seed}:{index}:{attempt}")
        planted = (random.Random(f"callqa:personal:{stream}:{seed}:{index}:{attempt}"), personal) if personal else None
        turns = Builder(plan, arng, split, ctx, b, planted, carriers).build()
        for t in turns:
            t.text = check_text(t.text)
            if personal and t.speaker == "client" and not t.personal:
                t.personal = bank_personal(t, ctx) or None
        renderer.render(turns)
        length = layout(turns, renderer, arng)
        if MIN_LEN <= length <= max_len:
            break
        plan = adjust(plan, length, arng, b)
    else:
        raise RuntimeError(f"{name}: could not fit the call into {MIN_LEN}-{max_len} s (last {length} s)")
    seed_int = int(hashlib.sha1(f"{stream}:{seed}:{index}".encode()).hexdigest()[:8], 16)
    audio = mix(turns, renderer, length, plan.seller_channel, noise_db, seed_int)
    write_flac(audio, out / f"{name}.flac")
    data = truth(name, split, plan, turns, seller[0])
    if b.NAME != pb.DEFAULT_BANK:  # which company, and so which standard, the call is for
        data = {**dict(list(data.items())[:3]), "bank": b.NAME, "company": b.COMPANY,
                **dict(list(data.items())[3:])}
    if client_shift is not None:
        data["client_shift_cents"] = round(abs(voices["client"].pitch - voices["seller"].pitch))
    if personal:
        data["personal_data"] = personal_truth(turns, renderer)
    text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    (out / f"{name}.truth.json").write_text(text, encoding="utf-8")
    if mono is not None:  # the same call as a mono PBX records it, with the same truth (the stereo timeline's)
        mono.mkdir(parents=True, exist_ok=True)
        write_flac(mono_mix(audio), mono / f"{name}.flac")
        (mono / f"{name}.truth.json").write_text(text, encoding="utf-8")
    data["_length"], data["_noise_db"] = length, noise_db
    return data


# --- checks against the standard ----------------------------------------------------------

def default_standard(b: pb.CompanyBank) -> Path | None:
    """The standard the bank names (relative to the repository root), if any."""
    return REPO / b.STANDARD if b.STANDARD else None


def check_standard(path: Path | None, bank: pb.CompanyBank | None = None) -> None:
    """The generator's stage ids and the bank's KB values must match the standard's."""
    b = bank or pb.default_bank()
    if path is None:
        print(f"note: bank {b.NAME} names no standard and none was given (--standard): "
              "not checking its facts against one", file=sys.stderr)
        return
    try:
        import yaml
    except ImportError:  # pragma: no cover - the generator itself needs no yaml
        print(f"note: PyYAML missing, not checking against {path}", file=sys.stderr)
        return
    if not path.exists():
        print(f"note: {path} not found, not checking the standard", file=sys.stderr)
        return
    std = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = [s["id"] for s in std["stages"]]
    if sorted(ids) != sorted(STAGE_IDS):
        raise SystemExit(f"{path}: stages {ids} differ from the generator's {STAGE_IDS}")
    kb = {f["id"]: str(f["value"]) for f in std["knowledge_base"]}
    for fact, spec in b.FACTS.items():
        if kb.get(fact) != spec["expected"]:
            raise SystemExit(f"{path}: knowledge_base {fact} is {kb.get(fact)!r}, "
                             f"bank {b.NAME} expects {spec['expected']!r}")


def knowledge_base_yaml(b: pb.CompanyBank) -> str:
    """The bank's FACTS as a standard's ``knowledge_base:`` section, to paste and review."""
    import yaml

    entries = []
    for fid, f in b.FACTS.items():
        unit = f.get("unit", "text")
        value: int | float | str = f["expected"]
        if unit not in ("text", "time") and re.fullmatch(r"\d+(\.\d+)?", f["expected"]):
            value = float(value) if "." in f["expected"] else int(value)
        entries.append({"id": fid, "topic": f.get("topic", ""), "keywords": list(f.get("keywords", [])),
                        "value": value, "unit": unit})
    return yaml.safe_dump({"knowledge_base": entries}, allow_unicode=True, sort_keys=False, width=100)


def scenario_list(args: argparse.Namespace, b: pb.CompanyBank) -> list[str]:
    """One scenario per call: named ones (they ask the demo bank's facts) or «random»."""
    named_fit = all(q["topic"] == "generic" or q["topic"] in b.FACTS
                    for plan in DEMO_SCENARIOS.values() for q in plan.qas)
    if args.scenarios:
        scenarios = [s.strip() for s in args.scenarios.split(",")]
        unknown = [s for s in scenarios if s != "random" and s not in DEMO_SCENARIOS]
        if unknown:
            raise SystemExit(f"unknown scenarios {unknown}; named: {list(DEMO_SCENARIOS)}")
        if not named_fit and any(s != "random" for s in scenarios):
            raise SystemExit(f"the named scenarios ask the demo bank's facts; bank {b.NAME} has other facts")
        return scenarios + ["random"] * (args.count - len(scenarios))
    if args.split == "demo" and named_fit:
        return list(DEMO_SCENARIOS) + ["random"] * max(0, args.count - len(DEMO_SCENARIOS))
    return ["random"] * args.count


def _cents_list(value: str) -> list[float]:
    """``--client-shift 100,250``: pitch distances in cents, each between 0 and 1200."""
    try:
        cents = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--client-shift: {value!r} is not a list of numbers of cents") from None
    if not cents or any(not 0 <= c <= 1200 for c in cents):
        raise argparse.ArgumentTypeError(f"--client-shift: {value!r}: give cents between 0 and 1200")
    return cents


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, help="output folder (required unless --print-kb)")
    ap.add_argument("--count", type=int, default=6, help="number of calls (default 6)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bank", default=pb.DEFAULT_BANK,
                    help=f"company phrase bank: a name in recordings/banks/ or a path to a .py file "
                         f"(default {pb.DEFAULT_BANK}); see recordings/banks/SPEC.md")
    ap.add_argument("--split", choices=pb.SPLITS, default=None,
                    help="which split of the bank to draw from (default demo, or the bank's only split)")
    ap.add_argument("--scenarios", default=None,
                    help="comma-separated scenario per call, 'random' for a random one; "
                         f"named: {', '.join(DEMO_SCENARIOS)}. Default: demo split plays the "
                         "named ones first, then random; the other splits are all random.")
    ap.add_argument("--cache", type=Path, default=Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
                    / "callqa-tts", help="Festival synthesis cache")
    ap.add_argument("--jobs", type=int, default=max(1, min(4, os.cpu_count() or 1)))
    ap.add_argument("--standard", type=Path, default=None,
                    help="the company's standard whose knowledge_base the bank's facts must match "
                         "(default: the one the bank names; the demo bank's is scripts_ref/stroydom.yaml)")
    ap.add_argument("--check", action="store_true",
                    help="validate the bank (and list where it is short of SPEC.md's counts) and stop")
    ap.add_argument("--print-kb", action="store_true",
                    help="print the bank's facts as a standard's knowledge_base section and stop")
    ap.add_argument("--client-shift", type=_cents_list, default=None, metavar="CENTS[,CENTS...]",
                    help="the client's pitch this many cents from the seller's (100 = close voices); "
                         "several values are used in turn, call by call (default: random, at least 250)")
    ap.add_argument("--mono", type=Path, default=None, metavar="DIR",
                    help="also write each call's mono mix, with the same truth, to this folder "
                         "(keep it outside --out: callqa eval reads a folder's subfolders too)")
    ap.add_argument("--first", type=int, default=0, metavar="I",
                    help="index of the first call (default 0): a set made by several processes, each "
                         "--first I --count N, is the set one process would make")
    ap.add_argument("--personal-data", type=int, nargs="?", const=3, default=0, metavar="N",
                    help="plant N exchanges (default 3) in which the client says a name, a phone "
                         "number, an address, a card or a passport number; the truth lists them "
                         "with their seconds under personal_data (docs/personal-data.md)")
    ap.add_argument("--carriers", choices=sorted(pdata.CARRIERS), default=None,
                    help="the carrier sentences of --personal-data (default: A for the demo and "
                         "heldout splits, B for fresh; C, D and E were written blind, for held-out sets)")
    args = ap.parse_args(argv)

    try:
        b = pb.load_bank(args.bank)
        pb.check_banks(b)
    except (FileNotFoundError, ValueError) as exc:
        raise SystemExit(f"phrase bank {args.bank}: {exc}") from None
    if args.print_kb:
        print(knowledge_base_yaml(b), end="")
        return 0
    if args.check:
        for line in pb.short_banks(b):
            print(f"short of SPEC.md's minimum: {line}")
        print(f"bank {b.NAME}: valid ({len(b.FACTS)} facts, splits {', '.join(b.SPLITS)})")
        return 0
    if args.out is None:
        ap.error("--out is required")
    args.split = args.split or ("demo" if "demo" in b.SPLITS else b.SPLITS[0])
    if args.split not in b.SPLITS:
        raise SystemExit(f"bank {b.NAME} has the splits {list(b.SPLITS)}, not {args.split!r}")
    for line in pb.short_banks(b) if b.NAME != pb.DEFAULT_BANK else []:
        print(f"note: bank {b.NAME} is short of SPEC.md's minimum: {line}", file=sys.stderr)
    check_standard(args.standard or default_standard(b), b)
    if shutil.which("text2wave") is None or shutil.which("sox") is None:
        raise SystemExit("needs text2wave (festival, festvox-ru) and sox on PATH")
    scenarios = scenario_list(args, b)
    args.out.mkdir(parents=True, exist_ok=True)
    args.cache.mkdir(parents=True, exist_ok=True)
    prefix = args.split if b.NAME == pb.DEFAULT_BANK else f"{b.NAME}_{args.split}"
    failed = 0
    for i in range(args.first, args.first + args.count):
        scenario = scenarios[i] if i < len(scenarios) else "random"
        name = f"{prefix}_{i + 1:02d}" + (f"_{scenario}" if scenario != "random" else "")
        try:
            shift = args.client_shift[i % len(args.client_shift)] if args.client_shift else None
            data = generate_call(name, args.split, args.seed, i, scenario, args.out, args.cache,
                                 args.jobs, b, client_shift=shift, mono=args.mono,
                                 personal=args.personal_data, carriers=args.carriers)
        except RuntimeError as exc:  # one plan that cannot fit must not cost the rest of the set
            print(f"[{i + 1}/{args.count}] skipped: {exc}", file=sys.stderr, flush=True)
            failed += 1
            continue
        kinds = ", ".join(f["type"] for f in data["findings"]) or "no findings"
        missing = [s for s, v in data["stages"].items() if not v and s != "transfer"]
        print(f"[{i + 1}/{args.first + args.count}] {name}.flac {data['_length']:.1f} s, seller ch{data['channels']['seller']}, "
              f"{kinds}, holds {len(data['holds'])}, missing {missing or '-'}"
              f"{', order broken' if data['stage_order_broken'] else ''}", flush=True)
    return 1 if failed and failed == args.count else 0


if __name__ == "__main__":
    sys.exit(main())
