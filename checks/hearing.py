"""Hearing a stated value again: did the audio say what Whisper wrote, or the knowledge base's value?

Whisper base misreads spoken sums: «две тысячи пятьсот» comes out as «9500», «восемь тысяч
девятьсот» as «8090». Taken as heard, each is a false wrong answer. The recogniser can be asked
the question a QA lead would put to the recording: how well does this stretch of audio fit the line
with the value heard, and how well with the right one? Asked with both said in words, the wrong sums
sellers said fit their own words by 6 nats or more on the development calls, and a misread «9500»
fits «две тысячи пятьсот» better than «девять тысяч пятьсот». Only a number that shares a numeral
with the right one is asked about: Whisper misreads a number a word at a time.

The checks stay pure: they ask through `Hearing`, which the pipeline gives when the call's audio is
at hand (`pipeline.rehearing`), and judge as transcribed without it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from checks.text.numbers import say_number
from pipeline.records import Utterance

__all__ = ["LOST_SLOT_WORDS", "Hearing", "Reheard", "lost_value_reheard", "reheard_value", "shares_a_numeral",
           "spoken_forms", "spoken_hours"]

# Whisper decodes windows of 30 s: the words heard with the value, at most this span around it
_WINDOW_S = 28.0
# audio kept either side of the words, so that their first and last sounds are whole
_MARGIN_S = 0.3
_TRAILING_PUNCTUATION = re.compile(r"[^\w%]+$")
# the words of a stated value that name its unit («9500 рублей»): they stay in every reading
_MULTIPLIER = re.compile(r"^(тыс|млн|миллион)", re.IGNORECASE)
_UNIT_WORD = re.compile(r"^(руб|процент|%|лет|год|дн|день|сут|час|недел|месяц)", re.IGNORECASE)


class Hearing(Protocol):
    def log_likelihoods(self, channel: int, start: float, end: float, texts: Sequence[str]) -> list[float]:
        """The log-likelihood of each text as the reading of the channel's audio from start to end (s);
        channel -1: all channels mixed."""


@dataclass(frozen=True)
class Reheard:
    """Log-likelihoods of the line with the value heard said in words, and with the right one."""

    stated_logprob: float
    expected_logprob: float

    def fits_expected(self, margin: float) -> bool:
        """The audio fits the right value within `margin` nats of the value heard."""
        return self.expected_logprob >= self.stated_logprob - margin


def spoken_forms(value: float) -> list[str]:
    """How a seller says a whole number under a million: «две тысячи пятьсот»; 1500 also «полторы
    тысячи», 2500 «две с половиной тысячи». Empty for other numbers."""
    if not float(value).is_integer() or not 0 < value < 1_000_000:
        return []
    n = int(value)
    if n % 1000 != 500 or n < 1500:
        return [say_number(n)]
    if n == 1500:
        return [say_number(n), "полторы тысячи"]
    *count, thousands = say_number(n - 500).split()  # «две тысячи» → «две с половиной тысячи»
    return [say_number(n), " ".join([*count, "с половиной", thousands])]


# how an hour is said after «до» or «с»: «до восьми вечера», «с девяти утра»
_HOURS_AFTER_A_PREPOSITION = ("часа", "двух", "трех", "четырех", "пяти", "шести", "семи", "восьми", "девяти",
                              "десяти", "одиннадцати", "двенадцати")
# the words before a unit that may hold a value Whisper lost: «стоять пять петеч рублей», «дадите вечера»
LOST_SLOT_WORDS = 3


def spoken_hours(hhmm: str, bound: Literal["opening", "closing"] = "closing") -> list[str]:
    """How an hour that opens or closes the working day is said: «до восьми» or «восемь» («в
    восемь вечера») for a closing 20:00, «с девяти» or «девять» for an opening 09:00, the clock's
    twelve hours as people say them; empty for a time with minutes."""
    hours, minutes = (int(part) for part in hhmm.split(":"))
    if minutes:
        return []
    hour = (hours - 1) % 12 + 1
    preposition = "с" if bound == "opening" else "до"
    return [f"{preposition} {_HOURS_AFTER_A_PREPOSITION[hour - 1]}", "час" if hour == 1 else say_number(hour)]


def shares_a_numeral(a: float, b: float) -> bool:
    """Said in words, the two numbers share a numeral: «восемь тысяч девяносто» and «восемь тысяч
    девятьсот», «девять тысяч пятьсот» and «две тысячи пятьсот». Whisper misreads a number a word
    at a time; a seller who is wrong says another number («три года» for «пять лет»)."""
    words = [{w for form in spoken_forms(v) for w in form.split()} - _THOUSANDS for v in (a, b)]
    return bool(words[0] & words[1])


_THOUSANDS = frozenset(("тысяча", "тысячи", "тысяч"))
_HOUR_PREPOSITIONS = frozenset(("до", "с"))


def reheard_value(hearing: Hearing, utt: Utterance, first: int, last: int, stated: Sequence[str],
                  expected: Sequence[str], channel: int) -> Reheard | None:
    """Words `first`..`last` (exclusive) of `utt` state a value: the line's best likelihood with one
    of the `stated` forms in their place, against its best with one of the `expected` forms. Both in
    words: Whisper writes most sums in digits, and its digits follow the sounds loosely («2550» and
    «1500» fit «две тысячи пятьсот» about as well), while the words must fit them one by one. None
    when there are no such words or forms. `channel`: the audio channel the line was heard on (-1:
    a mono call's mix)."""
    words = utt.words
    if not words or not stated or not expected or not 0 <= first < last <= len(words):
        return None
    first, last = _number_words(utt, first, last)
    lo, hi = _window(utt, first, last)
    tail = _TRAILING_PUNCTUATION.search(words[last - 1].text.strip())
    before = [w.text.strip() for w in words[lo:first]]
    after = [w.text.strip() for w in words[last:hi]]
    readings = [" ".join([*before, form + (tail.group() if tail else ""), *after]) for form in (*stated, *expected)]
    start, end = max(0.0, words[lo].start - _MARGIN_S), words[hi - 1].end + _MARGIN_S
    scores = hearing.log_likelihoods(channel, start, end, readings)
    return Reheard(max(scores[:len(stated)]), max(scores[len(stated):]))


def lost_value_reheard(hearing: Hearing, utt: Utterance, unit_word: int, expected: Sequence[str],
                       channel: int) -> Reheard | None:
    """The seller's line names the value's unit (word `unit_word`: «рублей», «вечера») and Whisper
    wrote no value before it, or one that makes no sense there («в 14 рублей» for a 7900 guitar).
    The line as written against the line with each `expected` form in place of the one to three
    words before the unit (without the form's «до» or «с» where the line has it: «до длимите
    вечера»): a seller who said the right value fits it about as well as Whisper's garble, one who
    said another does not.
    `stated_logprob` is the line as written. None without words or forms."""
    words = utt.words
    if not words or not expected or not 0 < unit_word < len(words):
        return None
    lo, hi = _window(utt, max(0, unit_word - LOST_SLOT_WORDS), unit_word + 1)
    said = [w.text.strip() for w in words]
    # digits as words: Whisper's digits fit sounds loosely («24 рублей» for «две тысячи четыреста»)
    slot = max(lo, unit_word - LOST_SLOT_WORDS)
    as_written = [*said[lo:slot], *map(_in_words, said[slot:unit_word]), *said[unit_word:hi]]
    readings = [" ".join(as_written)]
    for size in range(1, min(LOST_SLOT_WORDS, unit_word - lo) + 1):
        before = said[unit_word - size - 1].lower() if unit_word - size >= 1 else ""
        for form in expected:
            head, _, rest = form.partition(" ")
            form = rest if before in _HOUR_PREPOSITIONS and head in _HOUR_PREPOSITIONS else form
            readings.append(" ".join([*said[lo:unit_word - size], form, *said[unit_word:hi]]))
    start, end = max(0.0, words[lo].start - _MARGIN_S), words[hi - 1].end + _MARGIN_S
    readings = list(dict.fromkeys(readings))
    if len(readings) < 2:
        return None
    scores = hearing.log_likelihoods(channel, start, end, readings)
    return Reheard(scores[0], max(scores[1:]))


def _in_words(word: str) -> str:
    """A word of digits said in words, its punctuation kept («24,» → «двадцать четыре,»)."""
    digits = word.rstrip(".,?!")
    if not digits.isdigit() or not 0 < int(digits) < 1_000_000:
        return word
    return say_number(int(digits)) + word[len(digits):]


def _number_words(utt: Utterance, first: int, last: int) -> tuple[int, int]:
    """The value's own words: those with digits when Whisper wrote digits, else all but its unit."""
    digits = [i for i in range(first, last) if any(c.isdigit() for c in utt.words[i].text)]
    if digits:
        end = digits[-1] + 1
        while end < last and _MULTIPLIER.match(utt.words[end].text.strip()):
            end += 1  # «9,5 тысяч», «15 тыс.»: the multiplier is the number's
        return digits[0], end
    while last - first > 1 and _UNIT_WORD.match(utt.words[last - 1].text.strip()):
        last -= 1
    return first, last


def _window(utt: Utterance, first: int, last: int) -> tuple[int, int]:
    """The utterance's words around the value, within one decoding window."""
    words = utt.words
    lo, hi = first, last
    grew = True
    while grew:  # a word before, then one after, so that the value stays near the middle
        grew = False
        if lo > 0 and words[hi - 1].end - words[lo - 1].start <= _WINDOW_S:
            lo, grew = lo - 1, True
        if hi < len(words) and words[hi].end - words[lo].start <= _WINDOW_S:
            hi, grew = hi + 1, True
    return lo, hi
