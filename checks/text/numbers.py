"""Normalise numbers in Russian call transcripts.

Whisper writes the same quantity as «две тысячи пятьсот», «2 500» or «2500р», and
the same time as «десять утра», «10 часов» or «10:00».  Checks compare what was
said, so every such span is reduced to one canonical value here.

Decisions (kept deliberately conservative, a missed number is cheaper than an
invented one):

* Compound numerals only combine in descending order of magnitude
  (hundreds > tens > units, тысяча > ...), so «пять шесть» is two numbers 5 and 6
  and «двадцать тридцать» is 20 and 30 — unless the pair reads as a clock time.
* A number becomes a time only with clear evidence: «час/часа/часов» after it,
  a part of day (утра, вечера...), «HH:MM», «в половине десятого», or
  «<preposition> девять тридцать».  «один момент», «в десять» stay numbers.
  «дня»/«ночи» without «часов» also need a preposition («в два дня»), because
  «два дня», «три ночи» are usually durations; «через/за ... часа» is a duration.
* Ordinals («двадцать пятого», «25го») are kind "ordinal"; callers that only
  want quantities can skip them.
* «тысячи двести» with no count before «тысячи» lost a word in recognition
  («пять тысяч двести» heard as «стоять тысячи двести»): kind "partial", text
  «~1200», so no check reads it as 1200.  So does a count that «тысячи» cannot
  follow («5 тысячи за вести рублей» for «пять тысяч двести рублей»).
  Whisper's «5000-200» is 5200, its «6,100» 6100; «2-3» is left alone (a range).
* «раз» (once) and words merely containing number stems («сорокин») are not
  numbers: lookup is by whole token only.

The word table is generated once from pymorphy3 lexemes (all case/gender forms)
and cached; scanning is then a set lookup per token, so text without numbers
costs almost nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal, NamedTuple, Sequence

__all__ = ["DAYPART_ANCHORS", "NumberSpan", "UNIT_ANCHORS", "find_numbers", "misheard_numeral", "replace_numbers",
           "say_number"]


@dataclass(frozen=True)
class NumberSpan:
    start: int  # index of the first input token
    end: int  # exclusive
    value: float  # the number; for a time, minutes since midnight (hours*60 + minutes)
    kind: Literal["number", "time", "ordinal", "partial"]
    text: str  # canonical form: "2500", "1.5", "10:00", "09:30"; "~1200" for a partial number


# --- word tables ---------------------------------------------------------------------

_INF = 10**9
# place: the slot a word occupies (must be below the previous word's floor);
# floor: the slot the next word must fit under.  Teens fill tens and units at once.
_CARDINALS: dict[str, int] = {
    "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12,
    "тринадцать": 13, "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16,
    "семнадцать": 17, "восемнадцать": 18, "девятнадцать": 19, "двадцать": 20,
    "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60, "семьдесят": 70,
    "восемьдесят": 80, "девяносто": 90, "сто": 100, "двести": 200, "триста": 300,
    "четыреста": 400, "пятьсот": 500, "шестьсот": 600, "семьсот": 700,
    "восемьсот": 800, "девятьсот": 900,
}
_ORDINALS: dict[str, int] = {
    "первый": 1, "второй": 2, "третий": 3, "четвертый": 4, "пятый": 5, "шестой": 6,
    "седьмой": 7, "восьмой": 8, "девятый": 9, "десятый": 10, "одиннадцатый": 11,
    "двенадцатый": 12, "тринадцатый": 13, "четырнадцатый": 14, "пятнадцатый": 15,
    "шестнадцатый": 16, "семнадцатый": 17, "восемнадцатый": 18,
    "девятнадцатый": 19, "двадцатый": 20, "тридцатый": 30, "сороковой": 40,
    "пятидесятый": 50, "шестидесятый": 60, "семидесятый": 70, "восьмидесятый": 80,
    "девяностый": 90, "сотый": 100,
}
_MULTIPLIERS: dict[str, int] = {"тысяча": 1000, "миллион": 10**6, "миллиард": 10**9}
_ABBREV_MULTIPLIERS = {"тыс": 1000, "млн": 10**6, "млрд": 10**9}
_DIGIT_SUFFIX_MULTIPLIERS = {"к": 1000, **_ABBREV_MULTIPLIERS}
_ORDINAL_SUFFIXES = frozenset(
    {"го", "ого", "его", "й", "ый", "ий", "ой", "е", "ое", "ее", "я", "ая", "ю", "ую"}
)

_HOUR_WORDS = frozenset({"час", "часа", "часов", "часам", "часу", "часиков"})
_MINUTE_WORDS = frozenset({"минут", "минуты", "минуту", "минута"})
_HALF_WORDS = frozenset({"половина", "половине", "половину", "пол"})
_MORNING = frozenset({"утра", "утром"})
_DAY = frozenset({"дня", "днем"})
_EVENING = frozenset({"вечера", "вечером"})
_NIGHT = frozenset({"ночи", "ночью"})
_DAYPARTS = _MORNING | _DAY | _EVENING | _NIGHT
_NEEDS_PREP = frozenset({"дня", "ночи"})  # «два дня», «три ночи» are durations
_TIME_PREPS = frozenset({"в", "во", "к", "ко", "до", "с", "со", "после", "около", "ровно"})
_DURATION_PREV = frozenset({"через", "за", "течение", "каждые", "каждых"})

_DIGITS_RE = re.compile(r"(\d+)(?:[.,](\d+))?([a-zа-я%]*)")
_DASHED_TAIL_RE = re.compile(r"-(\d+)")
# plural forms: a count must come before them, so a bare one means a lost word
_COUNTED_ONLY = frozenset({"тысячи", "тысяч", "миллионов", "миллиардов"})
_CLOCK_RE = re.compile(r"(\d{1,2}):(\d{2})")


class _Word(NamedTuple):
    value: float
    place: int = 0
    floor: int = 0
    mult: int = 0  # тысяча / миллион / миллиард
    ordinal: bool = False
    lead_only: bool = False  # «полтора»: only at the start of a number
    zero: bool = False  # «ноль»: never part of a compound


def _slots(value: int) -> tuple[int, int]:
    if value >= 100:
        return 100, 100
    if value >= 20:
        return 10, 10
    if value >= 10:
        return 10, 1
    return 1, 1


class _Tables(NamedTuple):
    words: dict[str, _Word]
    glued_half: dict[str, int]  # «полдесятого» -> 10
    triggers: frozenset[str]  # every token that can start a number or a time


def _fold(word: str) -> str:
    return word.replace("ё", "е")


def _forms(morph, lemma: str) -> set[str]:
    """All inflected forms of a numeral lemma, ё folded (pymorphy gives «трёх»)."""
    parses = [
        p for p in morph.parse(lemma) if _fold(p.normal_form) == lemma and "Abbr" not in p.tag
    ]
    parses.sort(key=lambda p: p.tag.POS != "NUMR")
    return {_fold(f.word) for f in parses[0].lexeme} | {_fold(lemma)}


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    """Built on first use: loading pymorphy3 and generating lexemes takes ~0.2 s."""
    import pymorphy3

    morph = pymorphy3.MorphAnalyzer()
    words: dict[str, _Word] = {}
    for lemma, value in _CARDINALS.items():
        place, floor = _slots(value)
        for form in _forms(morph, lemma):
            words[form] = _Word(value, place, floor)
    for lemma, value in _ORDINALS.items():
        place, floor = _slots(value)
        for form in _forms(morph, lemma):
            words[form] = _Word(value, place, floor, ordinal=True)
    for lemma, mult in _MULTIPLIERS.items():
        for form in _forms(morph, lemma):
            words[form] = _Word(mult, mult=mult)
    for abbr, mult in _ABBREV_MULTIPLIERS.items():
        words[abbr] = _Word(mult, mult=mult)
    for form in _forms(morph, "полтора"):
        words[form] = _Word(1.5, place=_INF - 1, floor=0, lead_only=True)
    for lemma in ("ноль", "нуль"):
        for form in _forms(morph, lemma):
            words[form] = _Word(0, zero=True)

    glued_half = {
        "пол" + form: int(w.value)
        for form, w in words.items()
        if w.ordinal and 1 <= w.value <= 12
    }
    triggers = frozenset(words) | frozenset(glued_half) | _HALF_WORDS | {"час", "часу"}
    return _Tables(words, glued_half, triggers)


# --- misheard numerals -----------------------------------------------------------------

# the unit forms that say what count comes before them: «три тысячи», «пять тысяч», «до семи вечера»
_PAUCAL_UNITS = frozenset({"тысячи", "процента", "рубля", "часа", "года"})  # after 2, 3, 4
_PLURAL_UNITS = frozenset({"тысяч", "процентов", "рублей", "часов", "лет"})  # after 5 to 20
DAYPART_ANCHORS = _MORNING | _EVENING
UNIT_ANCHORS = _PAUCAL_UNITS | _PLURAL_UNITS | DAYPART_ANCHORS
_MIN_SUFFIX = 3  # «футри» ends in «три»; a shorter form («два» is the shortest) would match by chance


@lru_cache(maxsize=4096)
def misheard_numeral(token: str, unit: str) -> str | None:
    """The numeral a word recognition garbled right before a unit word, when only one fits:
    «футри тысячи» is «три тысячи», «до сейми вечера» «до семи вечера». The count must agree with
    the unit («тысячи» follows two to four only), which rules out most chance likenesses; the
    caller passes only words that are not in the dictionary."""
    from rapidfuzz.distance import Levenshtein

    words = _tables().words
    fits = {
        form for form, w in words.items()
        if not (w.mult or w.ordinal or w.zero or w.lead_only) and _agrees(w.value, unit)
        and ((len(form) >= 4 and Levenshtein.distance(form, token, score_cutoff=1) <= 1)
             or (len(form) >= _MIN_SUFFIX and len(token) > len(form) and _ends_like(token, form)))
    }
    values = {words[f].value for f in fits}
    return min(fits, key=lambda f: (Levenshtein.distance(f, token), f)) if len(values) == 1 else None


def _ends_like(token: str, form: str) -> bool:
    """«футри» ends in «три»: a word run into the numeral. (A numeral run into a word and misheard
    too, «сментре тысячи», was read by a rule for that one garble until v8; it is no longer read.)"""
    return token.endswith(form)


def _agrees(value: float, unit: str) -> bool:
    if unit in _PAUCAL_UNITS:
        return _count_form(value) == "paucal"
    if unit in _PLURAL_UNITS:
        return _count_form(value) == "plural"
    return 1 <= value <= 12  # an hour before «утра» / «вечера»


# --- numbers said: the other way round, for `checks.hearing` -----------------------------

_WORD_OF = {value: word for word, value in _CARDINALS.items()}
_FEMININE = {1: "одна", 2: "две"}  # «две тысячи», «двадцать одна тысяча»
_THOUSANDS = {"singular": "тысяча", "paucal": "тысячи", "plural": "тысяч"}


def say_number(n: int) -> str:
    """A whole number from 1 to 999 999 as it is said: «две тысячи пятьсот», «тысяча пятьсот»."""
    if not 0 < n < 1_000_000:
        raise ValueError(f"say_number: {n} is not from 1 to 999999")
    thousands, rest = divmod(n, 1000)
    words = []
    if thousands:
        words += _said_below_a_thousand(thousands, feminine=True) if thousands > 1 else []
        words.append(_THOUSANDS[_count_form(thousands)])
    return " ".join(words + _said_below_a_thousand(rest, feminine=False))


def _said_below_a_thousand(n: int, feminine: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    words = [_WORD_OF[hundreds * 100]] if hundreds else []
    if 10 <= rest <= 19:
        return words + [_WORD_OF[rest]]
    tens, ones = divmod(rest, 10)
    if tens:
        words.append(_WORD_OF[tens * 10])
    if ones:
        words.append(_FEMININE.get(ones, _WORD_OF[ones]) if feminine else _WORD_OF[ones])
    return words


def _count_form(count: float) -> Literal["singular", "paucal", "plural", "fraction"]:
    """The form a noun takes after a count: «одна тысяча», «две тысячи», «пять тысяч»,
    «одиннадцать тысяч»; after a fraction the paucal-looking genitive («1,5 тысячи»)."""
    if not float(count).is_integer():  # word values are ints, digit values floats
        return "fraction"
    n = int(count)
    if 11 <= n % 100 <= 14:
        return "plural"
    return {1: "singular", 2: "paucal", 3: "paucal", 4: "paucal"}.get(n % 10, "plural")


# --- stage 1: atoms (numbers, ordinals, clock readings) -------------------------------


class _Atom(NamedTuple):
    start: int
    end: int
    value: float  # for "clock": minutes since midnight
    kind: str  # "number" | "ordinal" | "clock"


def _read_digits(tokens: Sequence[str], i: int) -> tuple[float, str, int] | None:
    """«2500р» / «2,5» / «2 500 000» (thousand groups split by spaces) -> value, suffix, end."""
    m = _DIGITS_RE.fullmatch(tokens[i])
    if m is None:
        return None
    whole, frac, suffix = m.groups()
    if frac is not None and len(frac) == 3 and len(whole) <= 3:
        # «6,100 рублей» is Whisper's thousands separator: nobody says «шесть целых сто тысячных»
        whole, frac = whole + frac, None
    j = i + 1
    if frac is None and not suffix and len(whole) <= 3:
        while j < len(tokens):
            nxt = _DIGITS_RE.fullmatch(tokens[j])
            if nxt is None or len(nxt[1]) != 3 or nxt[2] is not None:
                break
            whole += nxt[1]
            suffix = nxt[3]
            j += 1
            if suffix:
                break
    value = float(f"{whole}.{frac}") if frac else float(whole)
    tail = _DASHED_TAIL_RE.fullmatch(tokens[j]) if j < len(tokens) and not (frac or suffix) else None
    # Whisper writes «пять тысяч двести» as «5000-200»; after whole thousands only hundreds and less
    # can follow («10000-1500» is no number anyone says)
    if tail and value > int(tail[1]) and value % 10 ** len(tail[1]) == 0 and (value < 1000 or int(tail[1]) < 1000):
        return value + int(tail[1]), "", j + 1
    return value, suffix, j


def _parse_number(tokens: Sequence[str], i: int, words: dict[str, _Word]) -> _Atom | None:
    """Longest well-ordered numeral starting at token i («миллион двести тысяч», «2 тысячи»)."""
    n = len(tokens)
    total, group = 0.0, 0.0
    has_group = False
    floor, last_mult = _INF, _INF
    group_start = i
    j = end = i
    kind = "number"
    while j < n:
        tok = tokens[j]
        w = words.get(tok)
        if w is None:
            digits = _read_digits(tokens, j) if tok[:1].isdigit() else None
            if digits is not None:
                value, suffix, nxt = digits
                if has_group or (j > i and not value < last_mult):
                    break
                if suffix in _ORDINAL_SUFFIXES and value.is_integer() and j == i:
                    return _Atom(i, nxt, value, "ordinal")
                if suffix in _DIGIT_SUFFIX_MULTIPLIERS:
                    value *= _DIGIT_SUFFIX_MULTIPLIERS[suffix]
                group, has_group, group_start = value, True, j
                j = end = nxt
                if suffix:  # «2500р»: the unit is glued on, nothing can follow
                    break
                floor = 0
                continue
            if tok == "с" and j + 1 < n and tokens[j + 1] == "половиной" and has_group:
                if not group.is_integer():  # not after «полтора» or another half
                    break
                group += 0.5  # «две с половиной тысячи»
                floor = 0
                j = end = j + 2
                continue
            break
        if w.zero:  # «ноль» stands alone
            if j == i:
                return _Atom(i, i + 1, 0.0, "number")
            break
        if w.mult:
            if w.mult >= last_mult:
                if has_group and total:  # «пять тысяч двадцать тысяч»: 5000, then 20000
                    end = group_start
                    group = 0.0
                break
            if (not has_group and not total and tok in _COUNTED_ONLY) or (has_group and _disagrees(group, tok)):
                kind = "partial"
            total += (group if has_group else 1) * w.mult
            group, has_group = 0.0, False
            floor, last_mult = _INF, w.mult
            j = end = j + 1
            continue
        if w.place >= floor or (w.lead_only and j != i):
            break
        if not has_group:
            group_start = j
        group += w.value
        has_group = True
        floor = w.floor
        j = end = j + 1
        if w.ordinal:
            kind = "ordinal"
            break
    if end == i:
        return None
    return _end(i, end, total + group, kind)


def _disagrees(count: float, multiplier: str) -> bool:
    """«5 тысячи»: after five to twenty (and 25, 30…) Russian says «тысяч»; «тысячи» there
    means recognition lost a word («пять тысяч двести» heard as «5 тысячи за вести»)."""
    return multiplier == "тысячи" and _count_form(count) == "plural"


def _end(start: int, end: int, value: float, kind: str) -> _Atom:
    return _Atom(start, end, round(value, 6), kind)


def _parse_clock(tokens: Sequence[str], i: int, tables: _Tables) -> _Atom | None:
    """Readings that are times by themselves: «10:00», «в половине десятого», «в час дня»."""
    tok = tokens[i]
    m = _CLOCK_RE.fullmatch(tok)
    if m is not None:
        hour, minute = int(m[1]), int(m[2])
        if hour <= 24 and minute < 60:
            return _Atom(i, i + 1, (hour % 24) * 60 + minute, "clock")
        return None
    if tok in tables.glued_half:
        return _Atom(i, i + 1, (tables.glued_half[tok] - 1 or 12) * 60 + 30, "clock")
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    if tok in _HALF_WORDS:
        w = tables.words.get(nxt)
        if w is not None and w.ordinal and 1 <= w.value <= 12:
            return _Atom(i, i + 2, (int(w.value) - 1 or 12) * 60 + 30, "clock")
        return None
    if tok in ("час", "часу"):  # «в час дня», «к часу ночи»
        if i > 0 and tokens[i - 1] in _TIME_PREPS and nxt in _DAYPARTS:
            return _Atom(i, i + 1, 60, "clock")
    return None


def _atoms(tokens: Sequence[str]) -> list[_Atom]:
    tables = _tables()
    triggers, words = tables.triggers, tables.words
    atoms: list[_Atom] = []
    i, n = 0, len(tokens)
    while i < n:
        tok = tokens[i]
        if tok not in triggers and not tok[:1].isdigit():  # fast path: most tokens
            i += 1
            continue
        atom = _parse_clock(tokens, i, tables) or _parse_number(tokens, i, words)
        if atom is None:
            i += 1
            continue
        atoms.append(atom)
        i = atom.end
    return atoms


# --- stage 2: times -------------------------------------------------------------------


def _shift(hour: int, part: str) -> int:
    """Apply a part of day to a 12-hour reading."""
    if part in _DAY:
        return hour + 12 if 1 <= hour <= 5 else hour
    if part in _EVENING:
        return hour + 12 if hour < 12 else hour
    if part in _NIGHT:
        if hour == 12:
            return 0
        return hour + 12 if 9 <= hour <= 11 else hour  # «одиннадцать ночи» = 23:00
    return hour


def _as_int(atom: _Atom | None, lo: int, hi: int) -> int | None:
    if atom is None or atom.kind != "number" or not atom.value.is_integer():
        return None
    value = int(atom.value)
    return value if lo <= value <= hi else None


def _minutes_after(atoms: list[_Atom], k: int) -> tuple[int, int, int] | None:
    """«тридцать» / «ноль пять» right after an hour -> (minutes, end, atoms used)."""
    nxt = atoms[k + 1] if k + 1 < len(atoms) else None
    if nxt is None or nxt.start != atoms[k].end:
        return None
    minute = _as_int(nxt, 10, 59)
    if minute is not None:
        return minute, nxt.end, 1
    if _as_int(nxt, 0, 0) == 0 and k + 2 < len(atoms) and atoms[k + 2].start == nxt.end:
        minute = _as_int(atoms[k + 2], 0, 9)
        if minute is not None:
            return minute, atoms[k + 2].end, 2
    return None


def _time_at(tokens: Sequence[str], atoms: list[_Atom], k: int) -> tuple[NumberSpan, int] | None:
    """Read atoms[k] (and maybe the next ones) as a time; returns the span and atoms used."""
    atom = atoms[k]
    n = len(tokens)
    prev = tokens[atom.start - 1] if atom.start > 0 else ""
    used, end = 1, atom.end
    if atom.kind == "clock":
        hour, minute = divmod(int(atom.value), 60)
        strong = True
    else:
        hour = _as_int(atom, 0, 23)
        if hour is None:
            return None
        minute = 0
        strong = False
        if end < n and tokens[end] in _HOUR_WORDS and prev not in _DURATION_PREV:
            strong, end = True, end + 1
            # optional «тридцать минут»
            nxt = atoms[k + 1] if k + 1 < len(atoms) else None
            mins = _as_int(nxt, 0, 59)
            if mins is not None and nxt.start == end and nxt.end < n:
                if tokens[nxt.end] in _MINUTE_WORDS:
                    minute, end, used = mins, nxt.end + 1, 2
        else:
            after = _minutes_after(atoms, k)
            if after is not None:
                minute, after_end, extra = after
                part = tokens[after_end] if after_end < n else ""
                if prev in _TIME_PREPS or part in _DAYPARTS:
                    strong = True
                    end, used = after_end, 1 + extra
    part = tokens[end] if end < n else ""
    if part in _DAYPARTS and hour <= (23 if strong else 12):
        # «два дня» counts days; «двенадцать дня» cannot (a count of 5–20 takes «дней»): noon
        if strong or part not in _NEEDS_PREP or prev in _TIME_PREPS or _count_form(hour) != "paucal":
            if hour > 0:
                hour = _shift(hour, part)
            strong, end = True, end + 1
    if not strong:
        return None
    value = hour * 60 + minute
    return NumberSpan(atom.start, end, float(value), "time", f"{hour:02d}:{minute:02d}"), used


def _canonical(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return f"{value:.6f}".rstrip("0").rstrip(".")


def find_numbers(tokens: Sequence[str]) -> list[NumberSpan]:
    """Find numbers, times and ordinals, so that spoken and written forms compare equal.

    tokens: lower-cased words with ё folded to е and punctuation stripped (a token
    may also be a digit string like '2500', '10:00', '2500р').
    Returns non-overlapping spans in input order.
    """
    atoms = _atoms(tokens)
    spans: list[NumberSpan] = []
    k = 0
    while k < len(atoms):
        timed = _time_at(tokens, atoms, k)
        if timed is not None:
            span, used = timed
            spans.append(span)
            k += used
            continue
        atom = atoms[k]  # not a time, so "number", "ordinal" or "partial" (clocks always are times)
        if atom.kind == "partial":
            spans.append(NumberSpan(atom.start, atom.end, atom.value, "partial", "~" + _canonical(atom.value)))
        else:
            kind: Literal["number", "ordinal"] = "ordinal" if atom.kind == "ordinal" else "number"
            spans.append(NumberSpan(atom.start, atom.end, atom.value, kind, _canonical(atom.value)))
        k += 1
    return spans


def replace_numbers(tokens: Sequence[str]) -> list[tuple[str, int, int]]:
    """The token stream with each number span collapsed into one token (its canonical text).

    Returns (token_text, start_idx, end_idx_exclusive) for every output token, so
    callers can map back to the original words.
    """
    out: list[tuple[str, int, int]] = []
    i = 0
    for span in find_numbers(tokens):
        out.extend((tokens[j], j, j + 1) for j in range(i, span.start))
        out.append((span.text, span.start, span.end))
        i = span.end
    out.extend((tokens[j], j, j + 1) for j in range(i, len(tokens)))
    return out
