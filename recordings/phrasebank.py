"""Company phrase banks for the synthetic call generator (``generate_calls.py``).

A company bank is a Python data module in ``recordings/banks/`` (``stroydom.py`` is the
demo company «Строй Дом»); ``banks/SPEC.md`` describes every name it defines, their
shapes, placeholders and rules, for a writer who sees nothing else.  ``load_bank()``
imports one by name or path and normalises it; ``check_banks()`` validates it, and the
generator runs it on every start.

Splits: a bank may have a ``demo``, a ``heldout`` and a ``fresh`` list per phrase bank,
no two with a sentence in common (detectors are tuned on demo, scored on the others), or
one split only: a new company's bank written blind is all ``fresh``, and may give each
phrase bank as a plain list.

Rules every spoken string follows, because of Festival's Russian voice and of the truth:

* numbers are written as words (the voice silently skips digits);
* no «», no dashes, no Latin letters, no ё (the voice fails on «» and dashes);
* a seller line only uses a stage's wording inside that stage, so the truth file's stage
  flags hold (SPEC.md says what each line must and must not say).

For older callers the default bank's names stay readable here: ``phrasebank.FACTS`` is
``load_bank().FACTS``.
"""

from __future__ import annotations

import functools
import importlib.util
import re
import string
import sys
from itertools import combinations
from pathlib import Path
from types import ModuleType
from typing import Any

Bank = dict[str, list]  # split -> templates (a str, or a (str, str) pair)
CompanyBank = ModuleType  # a loaded, normalised bank module

SPLITS = ("demo", "heldout", "fresh")  # every split a bank may have, in this order
BANKS_DIR = Path(__file__).resolve().parent / "banks"
DEFAULT_BANK = "stroydom"

# phrase banks of single-line templates, and of (line, reply) pairs
LINE_BANKS = (
    "MEETING_TIMES", "GREET_HELLO", "GREET_COMPANY", "GREET_NAME", "GREET_OFFER", "NO_GREETING",
    "CLIENT_OPEN", "SELLER_ACK", "CLIENT_ACK", "PRESENTATION", "PRESENT_REACTION", "MEETING",
    "MEETING_ACCEPT", "MEETING_CONFIRM", "TRANSFER", "TRANSFER_REPLY", "CLIENT_CLOSE", "FAREWELL",
    "CLIENT_BYE", "ABRUPT_END", "CLIENT_ONLY_BYE", "HOLD_ANNOUNCE", "AFTER_HOLD", "DEAD_AIR_CLIENT",
    "DEAD_AIR_EXCUSE", "EVASIVE_REACTION", "RESUME", "EVASIVE",
)
PAIR_BANKS = ("GENERIC_QA", "SUBJECT_CHANGE")
# planted dispatching errors (and the correct absent-colleague case): all or none; a bank
# without them (the demo bank) plants none
DISPATCH_BANKS = ("PASSED_AROUND", "ASK_COLLEAGUE", "ABSENT_CALLBACK", "ABSENT_NO_CALLBACK",
                  "ABSENT_REACTION", "BAD_TRANSFER")
NEEDS_TOPICS = ("volume", "object", "timing", "budget", "payment")
FACT_UNITS = ("rub", "time", "days", "hours", "percent", "years", "text")

# what the generator fills in (str.format); {v} only in FACTS answers, and always there
PLACEHOLDERS = frozenset({
    "name", "a", "ca", "ready", "useful", "distracted", "company", "p_nom", "p_gen", "p_acc",
    "p_need", "obj_acc", "obj_gen", "city_in", "qty", "budget", "dt", "client_name", "v",
})

# placeholders a bank's every line must carry (the line exists to say that value), and
# those that belong in one bank only
REQUIRED_FIELDS = {"GREET_COMPANY": "company", "GREET_NAME": "name", "MEETING": "dt",
                   "NEEDS.volume.answer": "qty", "NEEDS.budget.answer": "budget"}
ONLY_IN = {"dt": ("MEETING",), "client_name": ("SUBJECT_CHANGE",)}

# items per split that a newly written bank should have (SPEC.md); check_banks() only
# requires what the generator needs to run, short_banks() reports the rest
MIN_COUNTS = {
    "MEETING_TIMES": 5, "GREET_HELLO": 4, "GREET_COMPANY": 4, "GREET_NAME": 3, "GREET_OFFER": 4,
    "NO_GREETING": 3, "CLIENT_OPEN": 5, "SELLER_ACK": 4, "CLIENT_ACK": 4, "PRESENTATION": 5,
    "PRESENT_REACTION": 3, "MEETING": 4, "MEETING_ACCEPT": 3, "MEETING_CONFIRM": 3, "TRANSFER": 3,
    "TRANSFER_REPLY": 2, "CLIENT_CLOSE": 3, "FAREWELL": 4, "CLIENT_BYE": 3, "ABRUPT_END": 3,
    "CLIENT_ONLY_BYE": 2, "HOLD_ANNOUNCE": 4, "AFTER_HOLD": 3, "DEAD_AIR_CLIENT": 3,
    "DEAD_AIR_EXCUSE": 3, "EVASIVE_REACTION": 3, "RESUME": 3, "EVASIVE": 4, "GENERIC_QA": 4,
    "SUBJECT_CHANGE": 4, "NEEDS.ask": 3, "NEEDS.answer": 3, "FACTS.ask": 3, "FACTS.answer": 3,
    "SELLERS": 6, "CLIENTS": 4, "FACTS": 6, "FACTS.wrong": 3,
    "PASSED_AROUND": 3, "ASK_COLLEAGUE": 3, "ABSENT_CALLBACK": 3, "ABSENT_NO_CALLBACK": 3,
    "ABSENT_REACTION": 3, "BAD_TRANSFER": 3, "PRODUCTS": 4, "OBJECTS": 4, "CITIES": 4,
}

_ALLOWED = re.compile(r"^[А-Яа-я \-.,!?:;]*$")
_DASH = re.compile(r"(^|\s)-|-(\s|$)")  # a hyphen inside a word («где-то») is fine


def bank(demo: list, heldout: list, fresh: list) -> Bank:
    return dict(zip(SPLITS, (demo, heldout, fresh)))


# --- loading -------------------------------------------------------------------------------

def bank_path(name: str | Path) -> Path:
    """``stroydom`` -> recordings/banks/stroydom.py; a path to a .py file is taken as is."""
    path = Path(name)
    if path.suffix == ".py":
        return path.resolve()
    if not re.fullmatch(r"[a-z][a-z0-9_]*", str(name)):
        raise ValueError(f"bank name {name!r}: lower-case letters, digits and _, or a path to a .py file")
    return BANKS_DIR / f"{name}.py"


def load_bank(name: str | Path = DEFAULT_BANK) -> CompanyBank:
    """The company bank ``name``, normalised: every phrase bank is a dict split -> list."""
    return _load(bank_path(name))


@functools.cache
def _load(path: Path) -> CompanyBank:
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in BANKS_DIR.glob("*.py") if not p.stem.startswith("_")))
        raise FileNotFoundError(f"no phrase bank {path} (known: {known})")
    spec = importlib.util.spec_from_file_location(f"callqa_bank_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    saved = sys.dont_write_bytecode
    sys.dont_write_bytecode = True  # recordings/ is the pipeline's inbox: no __pycache__ there
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = saved
    return _normalise(module, path.stem)


def _normalise(m: ModuleType, name: str) -> CompanyBank:
    m.NAME = name
    m.SPLITS = tuple(getattr(m, "SPLITS", SPLITS))
    if not m.SPLITS or set(m.SPLITS) - set(SPLITS) or len(set(m.SPLITS)) != len(m.SPLITS):
        raise ValueError(f"bank {name}: SPLITS {m.SPLITS!r} must be some of {SPLITS}")
    m.STANDARD = getattr(m, "STANDARD", None)

    def per_split(value: Any, what: str) -> Bank:
        # one split: a plain list stands for {split: list}
        if isinstance(value, list) and len(m.SPLITS) == 1:
            return {m.SPLITS[0]: value}
        if not isinstance(value, dict) or set(value) != set(m.SPLITS):
            raise ValueError(f"bank {name}: {what} must have the splits {m.SPLITS}, "
                             f"got {sorted(value) if isinstance(value, dict) else type(value).__name__}")
        return value

    for attr in LINE_BANKS + PAIR_BANKS + ("SELLERS", "CLIENTS"):
        if not hasattr(m, attr):
            raise ValueError(f"bank {name}: {attr} is missing")
        setattr(m, attr, per_split(getattr(m, attr), attr))
    present = [attr for attr in DISPATCH_BANKS if hasattr(m, attr)]
    if present and len(present) < len(DISPATCH_BANKS):
        missing = sorted(set(DISPATCH_BANKS) - set(present))
        raise ValueError(f"bank {name}: the dispatching banks come all or none; missing {missing}")
    for attr in present:
        setattr(m, attr, per_split(getattr(m, attr), attr))
    for attr in ("COMPANY", "PRODUCTS", "UNITS", "BUDGET", "OBJECTS", "CITIES", "NEEDS", "FACTS"):
        if not hasattr(m, attr):
            raise ValueError(f"bank {name}: {attr} is missing")
    for topic, pair in m.NEEDS.items():
        if not (isinstance(pair, tuple) and len(pair) == 2):
            raise ValueError(f"bank {name}: NEEDS[{topic!r}] must be a (questions, answers) pair")
        m.NEEDS[topic] = (per_split(pair[0], f"NEEDS.{topic} questions"),
                          per_split(pair[1], f"NEEDS.{topic} answers"))
    for fact_id, fact in m.FACTS.items():
        for key in ("ask", "answer"):
            if key not in fact:
                raise ValueError(f"bank {name}: FACTS[{fact_id!r}] has no {key!r}")
            fact[key] = per_split(fact[key], f"FACTS.{fact_id}.{key}")
    return m


def has_dispatch(b: CompanyBank) -> bool:
    """Whether the bank can plant dispatching cases (DISPATCH_BANKS)."""
    return hasattr(b, DISPATCH_BANKS[0])


def default_bank() -> CompanyBank:
    return load_bank(DEFAULT_BANK)


def __getattr__(attr: str) -> Any:
    """``phrasebank.FACTS`` and the like: the default bank's, for older callers."""
    if attr.isupper() and attr not in ("NAME",):
        value = getattr(default_bank(), attr, None)
        if value is not None:
            return value
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


# --- walking a bank --------------------------------------------------------------------------

def all_banks(b: CompanyBank | None = None) -> dict[str, Bank]:
    """Every phrase bank by name («GREET_HELLO», «NEEDS.volume.ask», «FACTS.office_address.answer»...)."""
    b = b or default_bank()
    out = {attr: getattr(b, attr) for attr in LINE_BANKS + PAIR_BANKS}
    if has_dispatch(b):
        out.update({attr: getattr(b, attr) for attr in DISPATCH_BANKS})
    for topic, (q, a) in b.NEEDS.items():
        out[f"NEEDS.{topic}.ask"], out[f"NEEDS.{topic}.answer"] = q, a
    for fact_id, fact in b.FACTS.items():
        out[f"FACTS.{fact_id}.ask"], out[f"FACTS.{fact_id}.answer"] = fact["ask"], fact["answer"]
    return out


def all_sentences(split: str, b: CompanyBank | None = None) -> list[str]:
    """Every template of one split, flattened (for the overlap check)."""
    return [s for pb in all_banks(b).values() for item in pb.get(split, [])
            for s in (item if isinstance(item, tuple) else [item])]


def spoken_data(b: CompanyBank) -> list[tuple[str, str]]:
    """(where, text) of every spoken string that is not a template of a phrase bank."""
    out = [("COMPANY", b.COMPANY)]
    out += [(f"{attr}.{split}", n) for attr in ("SELLERS", "CLIENTS")
            for split, people in getattr(b, attr).items() for n, _ in people]
    out += [(f"PRODUCTS.{p}.{k}", v) for p, forms in b.PRODUCTS.items()
            for k, v in forms.items() if k != "unit"]
    out += [(f"OBJECTS.{i}", form) for i, pair in enumerate(b.OBJECTS) for form in pair]
    out += [("CITIES", c) for c in b.CITIES]
    for uid, spec in list(b.UNITS.items()) + [("BUDGET", b.BUDGET)]:
        out += [(f"UNITS.{uid}", w) for w in (*spec["forms"], spec.get("after", ""))]
    for fact_id, fact in b.FACTS.items():
        out += [(f"FACTS.{fact_id}.correct", v) for v in fact["correct"]]
        out += [(f"FACTS.{fact_id}.wrong", v) for _, v in fact["wrong"]]
    return out


def _norm(s: str) -> str:
    return " ".join(re.sub(r"[^а-я{}_ ]", " ", s.lower()).split())


def fields(template: str) -> list[str]:
    """The placeholder names in a template; ValueError on a malformed brace."""
    return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]


# --- checking --------------------------------------------------------------------------------

def _speakable(where: str, s: str) -> None:
    bare = re.sub(r"\{[a-z_]+\}", "", s)
    if not _ALLOWED.match(bare) or "ё" in bare.lower():
        raise ValueError(f"{where}: not synthesisable by Festival (Cyrillic, spaces and .,!?:; "
                         f"only; numbers in words; no ё, «», Latin or digits): {s!r}")
    if _DASH.search(bare):
        raise ValueError(f"{where}: a dash (Festival fails on it; a hyphen inside a word is fine): {s!r}")


def _check_placeholders(where: str, s: str, with_v: bool, bank_name: str = "") -> None:
    try:
        names = fields(s)
    except ValueError as exc:
        raise ValueError(f"{where}: malformed placeholder in {s!r}: {exc}") from None
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        raise ValueError(f"{where}: unknown placeholder(s) {unknown} in {s!r}; known: {sorted(PLACEHOLDERS)}")
    if with_v != ("v" in names):
        raise ValueError(f"{where}: {{v}} belongs in every FACTS answer and nowhere else: {s!r}")
    required = REQUIRED_FIELDS.get(bank_name)
    if required and required not in names:
        raise ValueError(f"{where}: every {bank_name} line says {{{required}}}: {s!r}")
    for field, banks in ONLY_IN.items():
        if field in names and bank_name not in banks:
            raise ValueError(f"{where}: {{{field}}} belongs in {', '.join(banks)} only: {s!r}")


def _check_shapes(b: CompanyBank) -> None:
    """The structure the generator relies on; messages name the bank and the entry."""
    def need(ok: bool, msg: str) -> None:
        if not ok:
            raise ValueError(f"bank {b.NAME}: {msg}")

    need(isinstance(b.COMPANY, str) and b.COMPANY.strip() != "", "COMPANY must be a non-empty str")
    for attr in ("SELLERS", "CLIENTS"):
        for split, people in getattr(b, attr).items():
            need(all(isinstance(p, tuple) and len(p) == 2 and p[1] in ("m", "f") for p in people),
                 f"{attr}[{split}] must be (name, 'm' or 'f') pairs")
    for spec_id, spec in list(b.UNITS.items()) + [("BUDGET", b.BUDGET)]:
        need(all(isinstance(spec.get(k), int) for k in ("min", "max", "step"))
             and 0 < spec["min"] <= spec["max"] < 1_000_000 and spec["step"] > 0,
             f"{spec_id}: min, max, step must be ints, 0 < min <= max < 1000000")
        need(spec.get("gender") in ("m", "f"), f"{spec_id}: gender must be 'm' or 'f'")
        need(isinstance(spec.get("forms"), tuple) and len(spec["forms"]) == 3,
             f"{spec_id}: forms must be (one, few, many), e.g. («час», «часа», «часов»)")
    need(len(b.PRODUCTS) > 0, "PRODUCTS is empty")
    for pid, p in b.PRODUCTS.items():
        need(set(p) == {"nom", "gen", "acc", "need", "unit"}, f"PRODUCTS[{pid!r}] needs exactly "
             "nom, gen, acc, need, unit")
        need(p["unit"] in b.UNITS, f"PRODUCTS[{pid!r}] unit {p['unit']!r} is not in UNITS")
    need(len(b.OBJECTS) > 0 and all(isinstance(o, tuple) and len(o) == 2 for o in b.OBJECTS),
         "OBJECTS must be (accusative, genitive) pairs")
    need(len(b.CITIES) > 0 and all(isinstance(c, str) for c in b.CITIES), "CITIES must be strs")
    missing = [t for t in NEEDS_TOPICS if t not in b.NEEDS]
    need(not missing, f"NEEDS lacks the topics {missing}")
    need(len(b.FACTS) > 0, "FACTS is empty")
    for fid, f in b.FACTS.items():
        need(re.fullmatch(r"[a-z][a-z0-9_]*", fid) is not None, f"FACTS id {fid!r}: a-z, 0-9, _")
        need(isinstance(f.get("expected"), str) and f["expected"] != "", f"FACTS[{fid!r}] expected: a str")
        need(isinstance(f.get("correct"), list) and len(f["correct"]) > 0, f"FACTS[{fid!r}] correct: a list")
        wrong = f.get("wrong")
        need(isinstance(wrong, list) and len(wrong) > 0
             and all(isinstance(w, tuple) and len(w) == 2 and w[0] != f["expected"] for w in wrong),
             f"FACTS[{fid!r}] wrong: (value, spoken) pairs, each value unlike expected")
        need(f.get("unit", "text") in FACT_UNITS, f"FACTS[{fid!r}] unit must be one of {FACT_UNITS}")
        need(isinstance(f.get("keywords", []), list), f"FACTS[{fid!r}] keywords: a list")
    for attr in PAIR_BANKS:
        for split, items in getattr(b, attr).items():
            need(all(isinstance(i, tuple) and len(i) == 2 for i in items),
                 f"{attr}[{split}] must be (line, reply) pairs")
    for name, pb in all_banks(b).items():
        for split in b.SPLITS:
            need(len(pb[split]) > 0, f"{name} has an empty {split} split")
    for split in b.SPLITS:  # a presentation samples up to two lines
        need(len(b.PRESENTATION[split]) >= 2, f"PRESENTATION[{split}] needs two lines at least")


def check_banks(b: CompanyBank | None = None) -> None:
    """Shapes hold; no two splits share a sentence or a name; every string is speakable and
    uses only known placeholders."""
    b = b or default_bank()
    _check_shapes(b)
    sentences = {split: all_sentences(split, b) for split in b.SPLITS}
    for one, other in combinations(b.SPLITS, 2):
        shared = {_norm(s) for s in sentences[one]} & {_norm(s) for s in sentences[other]}
        if shared:
            raise ValueError(f"sentences in both {one} and {other}: {sorted(shared)}")
        for people in (b.SELLERS, b.CLIENTS):
            names = {n for n, _ in people[one]} & {n for n, _ in people[other]}
            if names:
                raise ValueError(f"names in both {one} and {other}: {sorted(names)}")
    answers = {f"FACTS.{fid}.answer" for fid in b.FACTS}
    for name, pb in all_banks(b).items():
        for split in b.SPLITS:
            for item in pb[split]:
                for s in item if isinstance(item, tuple) else (item,):
                    where = f"{b.NAME}: {name}[{split}]"
                    _check_placeholders(where, s, with_v=name in answers, bank_name=name)
                    _speakable(where, s)
    for where, s in spoken_data(b):
        _speakable(f"{b.NAME}: {where}", s)
        if fields(s):
            raise ValueError(f"{b.NAME}: {where} is spoken as is, no placeholders: {s!r}")


def short_banks(b: CompanyBank) -> list[str]:
    """Where a bank has fewer items per split than SPEC.md asks of a new bank."""
    out = []

    def want(what: str, have: int, key: str) -> None:
        if have < MIN_COUNTS[key]:
            out.append(f"{what}: {have} < {MIN_COUNTS[key]}")

    if not has_dispatch(b):
        out.append(f"{', '.join(DISPATCH_BANKS)}: missing (no dispatching cases will be planted)")
    for split in b.SPLITS:
        for attr in LINE_BANKS + PAIR_BANKS + (DISPATCH_BANKS if has_dispatch(b) else ()):
            want(f"{attr}[{split}]", len(getattr(b, attr)[split]), attr)
        for attr in ("SELLERS", "CLIENTS"):
            want(f"{attr}[{split}]", len(getattr(b, attr)[split]), attr)
        for topic, (q, a) in b.NEEDS.items():
            want(f"NEEDS.{topic} questions[{split}]", len(q[split]), "NEEDS.ask")
            want(f"NEEDS.{topic} answers[{split}]", len(a[split]), "NEEDS.answer")
        for fid, f in b.FACTS.items():
            want(f"FACTS.{fid}.ask[{split}]", len(f["ask"][split]), "FACTS.ask")
            want(f"FACTS.{fid}.answer[{split}]", len(f["answer"][split]), "FACTS.answer")
    for fid, f in b.FACTS.items():
        want(f"FACTS.{fid}.wrong", len(f["wrong"]), "FACTS.wrong")
    want("FACTS", len(b.FACTS), "FACTS")
    for attr in ("PRODUCTS", "OBJECTS", "CITIES"):
        want(attr, len(getattr(b, attr)), attr)
    return out
