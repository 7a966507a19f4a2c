"""Phone, card, passport, СНИЛС and ИНН numbers, written in digits or said in words.

Whisper writes a number the client dictates as digits («+7 916 555-12-34») or as words («восемь
девятьсот шестнадцать сто двадцать три…»), often with commas between the groups. Both become one
run of digits: callqa's own number reader (`checks.text.numbers`) turns the words into numbers, read
separately between punctuation marks (so «двести, тридцать» is 200 and 30, not 230), and the groups
that follow each other with nothing but punctuation between them are joined. A digit group keeps its
leading zeros («0012»).

What a run is comes from its length (give or take a digit or two that Whisper drops or doubles)
and the nearest cue word before it, in the line or in the previous line of the call («Продиктуйте
номер карты.» — «4276 3801…»): a cue for another kind of number («заказ», «договор», «артикул»)
makes it no personal data. Without a cue the shape decides: eleven digits from 7 or 8 and ten from
3, 4, 8 or 9 are a phone, thirteen to nineteen digits that pass Luhn (or any sixteen) a card, a
passing СНИЛС or ИНН checksum those; and a run of ten digits or more that is none of these is
masked all the same. This reads more than
`ru-pii` (a lighter library of regexes and checksums) and `presidio-ru-recognizers`: both see only
digits, want a phone with its +7 or 8 and a card that passes Luhn, and know nothing of the line
before (docs/personal-data.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from checks.text.numbers import find_numbers
from pipeline.privacy.checksums import inn_ok, luhn_ok, snils_ok
from pipeline.privacy.morph import in_dictionary, joins_words, lemma
from pipeline.privacy.spans import TextSpan
from pipeline.privacy.tokens import Token, cut, gap, tokenize

DETECTOR = "numbers@8"

# words that may stand between two groups of one number: «серия 46 12, номер 345678»
_CONNECTORS = frozenset({"номер", "номера", "номером", "№", "тире", "дефис"})
_PLUS = frozenset({"+", "плюс"})
# words right after a number short of digits that may be those digits garbled
GARBLED_DIGIT_WORDS = 3
# the nearest of these before a run says what it is; stems, matched at a word's start
_CUES: tuple[tuple[str, str], ...] = (
    ("phone", r"телефон|тел|мобильн|сотов|городск|рабоч|позвон|перезвон|звонит|набер|номерок|связ"),
    ("card", r"карт[аеуыо]|картой|карточк"),
    ("passport", r"паспорт|сери[яиюей]"),
    ("snils", r"снил"),  # Whisper drops the last letter: «номер снил 123…»
    ("inn", r"инн"),
    ("other", r"заказ|заявк|договор|сч[её]т|артикул|накладн|чек|код|промокод"),
    # a house's or a flat's number is short: «дом 12»; a phone after «дома» («она дома сидит, 8 9…»)
    # is still one
    ("house", r"квартир|дом|корпус|офис"),
    # «мой номер», «второй номер»: a phone, unless another cue stands right by it («заказ номер»);
    # «номер заказа» has its cue after it, which is nearer to the digits anyway
    ("number", r"номер|№"),
)
_ELSEWHERE = ("other", "house")  # cues of numbers that are no personal data
# the seller giving the company's own number («Наш бесплатный номер 8 800…», «у нас телефон…»)
_OURS_RE = re.compile(r"(?<![а-яё])(?:наш[а-яё]*|у нас)(?![а-яё])[^.!?]{0,30}$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?]")
_CUE_RE = re.compile(r"(?<![а-яё])(?:" + "|".join(f"(?P<{kind}>{stems})" for kind, stems in _CUES) + ")",
                     re.IGNORECASE)


@dataclass(frozen=True)
class _Group:
    digits: str
    first: int  # token indices, inclusive
    last: int


def _chunks(text: str, tokens: list[Token]) -> list[list[int]]:
    """Token indices cut at every punctuation mark, so each chunk is read as numbers on its own."""
    return cut(text, tokens, lambda between: bool(between.strip()))


def _groups(text: str, tokens: list[Token]) -> list[_Group]:
    groups: list[_Group] = []
    for chunk in _chunks(text, tokens):
        words = [tokens[i].text for i in chunk]
        for span in find_numbers(words):
            if span.kind != "number":
                continue
            covered = [tokens[i] for i in chunk[span.start:span.end]]
            if all(t.is_digits for t in covered):
                digits = "".join(t.text for t in covered)  # keeps «0012»'s zeros
            elif span.text.isdigit():
                digits = span.text
            else:
                continue
            groups.append(_Group(digits, chunk[span.start], chunk[span.end - 1]))
    return groups


def _bridges(between: list[Token]) -> bool:
    """What may stand between two groups of one number: nothing, a connector («номер»), or one
    word Whisper heard in place of number words: a short one («восемь девять сад шестнадцать» for
    «…сот…», «ну двадцать» for «ноль двадцать») or one no dictionary knows («22 ныльмали, 72» for
    «ноль ноль»), but no preposition or conjunction («600 на 250 на 300» are sizes); a run still
    needs its cue or its shape to be anything."""
    if not between:
        return True
    word = between[0].text
    if len(between) != 1 or not word.isalpha():
        return False
    return word in _CONNECTORS or not in_dictionary(word) or (len(word) <= 3 and not joins_words(word))


def _runs(tokens: list[Token], groups: list[_Group]) -> list[list[_Group]]:
    """Groups with nothing between them but punctuation or what `_bridges` lets stand there."""
    runs: list[list[_Group]] = []
    for group in groups:
        if runs and _bridges(tokens[runs[-1][-1].last + 1:group.first]):
            runs[-1].append(group)
            continue
        runs.append([group])
    return runs


def _nearest_cue(context: str, line_start: int = 0) -> str | None:
    """The cue nearest before a run; `context` is the line before, then the line up to the run,
    which starts at `line_start`. A bare «номер» in the line is a phone even when the line before
    ended on another kind's cue («Куда прислать смс с номером заказа?» — «На этот же номер, …»)."""
    last, last_end = None, -1000
    for m in _CUE_RE.finditer(context):
        if m.lastgroup != "number":
            last = m.lastgroup
        elif last is None or m.start() - last_end > 20 or (m.start() >= line_start > last_end):
            last = "phone"
        last_end = m.end()
    if last in _ELSEWHERE:
        # «…квартира 218. Пришлите на плюс 7…»: another number's cue holds for the sentence it is in;
        # said in the line before, only when its sentence ended that line, and for the reply's first
        # sentence («Продиктуйте номер заказа.» — «12 34 56…»)
        in_line_before = last_end < line_start
        rest_of_its_line = context[last_end:line_start - 1] if in_line_before else ""
        if _SENTENCE_END.search(context[max(last_end, line_start):]) or re.search(r"[.!?]\s*\S", rest_of_its_line):
            return None
    return last


def classify(digits: str, cue: str | None, fallback: bool = False) -> str | None:
    """The type of personal data a run of digits is, or None; with `fallback`, any run of ten
    digits or more is one (the caller tries that after nothing shorter in the run was)."""
    n = len(digits)
    # after a cue, a digit or two more or fewer than the type has: Whisper drops and doubles digits
    # of a dictated number («Второй номер 965-112-33»), and the cue already says what it is
    by_cue = {
        "passport": 8 <= n <= 12,
        "snils": 9 <= n <= 13,
        "inn": 9 <= n <= 13,
        "card": 12 <= n <= 20,
        "phone": 7 <= n <= 12,
    }
    if cue in by_cue and by_cue[cue]:
        return cue
    phone_shaped = n == 11 and digits[0] in "78" and digits[1] != "0"
    if cue == "other" or cue == "house" and not phone_shaped:
        return None
    if phone_shaped:
        return "phone"
    if n == 11 and snils_ok(digits):
        return "snils"
    if n == 10 and digits[0] in "3489":
        return "phone"
    if n in (10, 12) and inn_ok(digits):
        return "inn"
    if 13 <= n <= 19 and (luhn_ok(digits) or n == 16):
        return "card"
    # ten digits or more that nothing explains: masked all the same, as what they are nearest to in
    # length (Whisper mangles the cue: «Сниуб 112.233.445.955»); order numbers are shorter or cued
    if not fallback:
        return None
    if 10 <= n <= 12:
        return "phone"
    if 13 <= n <= 20:
        return "card"
    return None


# a client dictating: three groups or more with nothing between them, seven digits or more, are a
# number whatever its length (Whisper drops a digit: «8 916 12 34 5»); prices, times, sizes and
# quantities come as one group or with words between
_DICTATED_GROUPS, _DICTATED_DIGITS = 3, 7


def _dictated(run: list[_Group], digits: str, cue: str | None) -> str | None:
    if cue in _ELSEWHERE or len(run) < _DICTATED_GROUPS or len(digits) < _DICTATED_DIGITS:
        return None
    return "card" if len(digits) > 12 else "phone"


def _span(text: str, tokens: list[Token], ctx: tuple[str, bool], run: list[_Group], fallback: bool = False) -> TextSpan | None:
    before, seller = ctx
    first = run[0].first
    if first > 0 and tokens[first - 1].text in _PLUS:
        first -= 1
    if seller and _OURS_RE.search(text[:tokens[first].start]):
        return None
    cue = _nearest_cue(before + "\n" + text[:tokens[first].start], len(before) + 1)
    digits = "".join(g.digits for g in run)
    kind = classify(digits, cue, fallback) or (_dictated(run, digits, cue) if fallback and not seller else None)
    return None if kind is None else TextSpan(kind, tokens[first].start, tokens[run[-1].last].end, DETECTOR)


def _in_run(text: str, tokens: list[Token], ctx: tuple[str, bool], run: list[_Group]) -> list[TextSpan]:
    """A run that is no personal data as a whole may hold one: «ещё один номер: девятьсот…» reads
    «один» into the phone. So the longest stretch of groups that is one, from the left, wins; and
    when no stretch is, a long run is masked by its length alone."""
    found: list[TextSpan] = []
    i = 0
    while i < len(run):
        for j in range(len(run), i, -1):
            span = _span(text, tokens, ctx, run[i:j])
            if span is not None:
                found.append(span)
                i = j
                break
        else:
            i += 1
    if not found:
        span = _span(text, tokens, ctx, run, fallback=True)
        if span is None:
            return []
        found = [span]
    # groups left over after the last one are the same dictation: Whisper doubled or split a
    # digit («…58, 99, 96» for «…пятьдесят восемь ноль девять, девяносто шестнадцать»); so are
    # groups before the first with only punctuation between («двадцать, девять, пятьсот…») or a
    # word no dictionary knows, digits garbled («22 нельмали 34 74…» for «…ноль ноль…»), but not
    # a word before a connector («ещё один номер: …»), which may be no digit at all
    lead = next(g for g in run if tokens[g.first].start >= found[0].char_start)
    k = run.index(lead)
    while k > 0 and _same_dictation(text, tokens, run[k - 1], run[k]):
        k -= 1
    found[0] = replace(found[0], char_start=min(found[0].char_start, tokens[run[k].first].start))
    first, last = run[0].first, run[-1].last
    digits = "".join(g.digits for g in run)
    if short_of_digits(found[-1].type, len(digits), digits[:1]):
        # words straight after a number short of digits are the rest garbled («…2, 4 на ли семь»;
        # «…0 ,2, 7, беть» where the digits were dictated one by one), and up to two straight
        # before it its first digits («вы теперь 99 49 68 93»)
        last = garbled_tail(text, tokens, last, after_comma=all(len(g.digits) == 1 for g in run[-3:]))
        limit = first - 2
        while first > max(limit, 0) and not gap(text, tokens[first - 1], tokens[first]).strip() \
                and tokens[first - 1].text.isalpha() and tokens[first - 1].text not in _PLUS \
                and not _CUE_RE.match(tokens[first - 1].text):  # «мой номер 99…» keeps its cue in clear
            first -= 1
        found[0] = replace(found[0], char_start=min(found[0].char_start, tokens[first].start))
    found[-1] = replace(found[-1], char_end=tokens[last].end)
    return found


def _same_dictation(text: str, tokens: list[Token], left: _Group, right: _Group) -> bool:
    """Two groups of a run that are one number dictated: only punctuation between them, or one
    word no dictionary knows (digits Whisper garbled)."""
    between = tokens[left.last + 1:right.first]
    if not between:
        return gap(text, tokens[left.last], tokens[right.first]).strip() in ("", ",", "-")
    return len(between) == 1 and between[0].text.isalpha() and not in_dictionary(between[0].text)


# the stems of number words; a word no dictionary knows that starts with one is a number word
# Whisper garbled («восемьдеть», «Восемнель» for «восемь ноль»)
_NUMBER_STEMS = ("ноль", "один", "одна", "двен", "двад", "двух", "двест", "трин", "трид", "трех", "трёх", "трист",
                 "четыр", "пять", "пятн", "пятьд", "пятьс", "шест", "семь", "семн", "восем", "девят", "девян",
                 "десят", "сорок")


def garbled_number_word(tok: Token) -> bool:
    """A word no dictionary knows that starts as a number word does: digits Whisper garbled."""
    word = tok.text
    return word.isalpha() and not in_dictionary(word) and word.startswith(_NUMBER_STEMS)


def short_of_digits(kind: str, count: int, leading: str = "") -> bool:
    """Fewer digits than a number of this kind has (a phone from 7 or 8: 11, any other 10; a card
    16; a passport 10): Whisper heard some of them as words."""
    full = {"phone": 11 if leading and leading in "78" else 10, "card": 16, "passport": 10}.get(kind)
    return full is not None and count < full


def garbled_tail(text: str, tokens: Sequence[Token], last: int, after_comma: bool = False) -> int:
    """The last token of a number short of digits, with up to GARBLED_DIGIT_WORDS words straight
    after it that are those digits garbled; with `after_comma` the first may follow a comma."""
    limit = min(last + GARBLED_DIGIT_WORDS, len(tokens) - 1)
    start = last
    while last < limit and tokens[last + 1].text.isalpha():
        between = gap(text, tokens[last], tokens[last + 1]).strip()
        if between and not (after_comma and last == start and between == ","):
            break
        last += 1
    return last


def said_digits(tokens: Sequence[Token]) -> int:
    """How many digits the tokens say, in figures or in words («сто двадцать три» is three)."""
    count, words = 0, []
    for t in [*tokens, None]:
        if t is not None and not t.is_digits and t.text.isalpha():
            words.append(t.text)
            continue
        count += sum(len(s.text) for s in find_numbers(words) if s.kind == "number" and s.text.isdigit())
        words = []
        if t is not None and t.is_digits:
            count += len(t.text)
    return count


# a passport is dictated «серия 46 12, номер 345 678»: two to four digits, the word «номер», then
# the number. That shape says passport whatever Whisper made of its cue («пас партли») and of some
# digits («33 на ледейн, номер 7, 9, 7…», «91 ,24 номера быся и места 94…»)
_SERIES_WORDS = 4  # tokens of the series as heard, digits and garble
_SERIES_DIGITS = (2, 5)  # a digit dropped or doubled
_PASSPORT_NUMBER_DIGITS = 3
# what «номер» is of when a word right after it says: no passport's number («номер квартиры 5»)
_NUMBER_OF = re.compile(r"телефон|мобильн|сотов|карт|заказ|заявк|договор|сч[её]т|артикул|накладн|чек|код"
                        r"|квартир|дом|корпус|офис|машин|рейс|пропуск")


def _garble(tok: Token) -> bool:
    """A word inside a dictated number that is more likely its digits misheard than a word said:
    a short one («на», «или» for «ноль») or one no dictionary knows («ледейн»)."""
    return tok.text.isalpha() and (len(tok.text) <= 3 or not in_dictionary(tok.text))


def _number_like(tok: Token) -> bool:
    return tok.is_digits or bool(find_numbers([tok.text]))


def _passport_shapes(text: str, tokens: list[Token]) -> list[TextSpan]:
    """«<series> номер <number>» in one sentence: the series is up to four tokens before «номер»
    that start with a number and hold two to five digits (digits, and words Whisper made of
    some); the number, what follows «номер» while it is digits or such words (one dictionary word
    right before digits too), with three digits or more. No other number's cue («дом 12, номер
    квартиры 5», «заказ 123, номер…») and no type named after «номер»."""
    found: list[TextSpan] = []
    for i, tok in enumerate(tokens):
        if lemma(tok.text) != "номер" or i + 1 >= len(tokens) or _NUMBER_OF.match(tokens[i + 1].text):
            continue
        j = i
        while j > 0 and i - j < _SERIES_WORDS and not _SENTENCE_END.search(gap(text, tokens[j - 1], tokens[j])) \
                and (_number_like(tokens[j - 1]) or _garble(tokens[j - 1])):
            j -= 1
        while j < i and not _number_like(tokens[j]):
            j += 1  # the series starts at its first digits
        series = tokens[j:i]
        if not series or not _SERIES_DIGITS[0] <= said_digits(series) <= _SERIES_DIGITS[1] \
                or _nearest_cue(text[:tokens[j].start]) in _ELSEWHERE:
            continue
        k, last, dictionary_word = i, None, False
        while k + 1 < len(tokens) and not _SENTENCE_END.search(gap(text, tokens[k], tokens[k + 1])):
            nxt = tokens[k + 1]
            if _number_like(nxt):
                last = k + 1
            elif not _garble(nxt):
                if dictionary_word or not (k + 2 < len(tokens) and _number_like(tokens[k + 2])):
                    break
                dictionary_word = True  # «номера быся и места 94»: one word Whisper heard whole
            k += 1
        if last is None or said_digits(tokens[i + 1:last + 1]) < _PASSPORT_NUMBER_DIGITS:
            continue
        found.append(TextSpan("passport", tokens[j].start, tokens[last].end, DETECTOR))
    return found


def find_number_spans(text: str, before: str = "", speaker: str = "client") -> list[TextSpan]:
    """Numbers that are personal data in one line; `before` is the previous line of the call. The
    company's own number, said by its seller as ours, is none. A passport's «<series> номер
    <number>» is one whatever its cue and its runs say; where it overlaps a run's span, the two
    make one passport span."""
    tokens = tokenize(text)
    ctx = (before, speaker == "seller")
    spans = [span for run in _runs(tokens, _groups(text, tokens)) for span in _in_run(text, tokens, ctx, run)]
    for shape in _passport_shapes(text, tokens):
        hit = [s for s in spans if s.overlaps(shape)]
        spans = [s for s in spans if s not in hit]
        spans.append(TextSpan("passport", min([shape.char_start, *(s.char_start for s in hit)]),
                              max([shape.char_end, *(s.char_end for s in hit)]), DETECTOR))
    return sorted((s for s in spans if not repetition_loop(text[s.char_start:s.char_end]) and not _priced(text, s)),
                  key=lambda s: s.char_start)


# a sum: digits said with their currency or scale after them («8 ,550 ,000 рублей», «10000 -20000 рублей»)
_PRICE_AFTER = re.compile(r"[\s-]*(?:руб|р\.|₽|тысяч|тыс\.|миллион|млн|процент|%)", re.IGNORECASE)


def _priced(text: str, span: TextSpan) -> bool:
    """The span's last digits have a currency or a scale right after them: a sum, no number of anyone's."""
    last_digit = max((i for i in range(span.char_start, span.char_end) if text[i].isdigit()), default=None)
    return last_digit is not None and bool(_PRICE_AFTER.match(text[last_digit + 1:]))


def repetition_loop(said: str) -> bool:
    """Digits that only repeat one to three digits over and over («0, 5, 0, 5, 0, 5…»), or a run
    longer than any card of two digits at most: Whisper looping on a noisy stretch, no number
    anyone dictates."""
    digits = re.sub(r"\D", "", said)
    periodic = any(digits == (digits[:p] * len(digits))[:len(digits)] for p in (1, 2, 3))
    return len(digits) >= 8 and periodic or len(digits) > 20 and len(set(digits)) <= 2
