"""Questions, answers and the facts they state.

The answer checks need three things from a call: which client lines are
questions, which knowledge-base fact a question is about, and which values the
seller's answer states (a price, a time, a number of years). Numbers arrive
already normalised, so «две тысячи пятьсот» and «2500» compare equal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from checks.dialogue.holds import delays_the_reply
from checks.text.matching import keyword_found, keyword_words
from checks.registry import CallContext
from checks.standard import Fact
from checks.text.normalise import (
    GRAMMAR_POS,
    NormText,
    Token,
    fold,
    is_known_word,
    is_second_person_verb,
    match_key,
    morph_parses,
    normalise_text,
    part_of_speech,
    word_keys,
)
from pipeline.records import Utterance

# «как», «есть», «можно» open statements too («у нас есть», «можно приехать»),
# so only words that ask on their own are here; «есть ли» is caught by «ли»
QUESTION_WORDS = frozenset(
    match_key(w) for w in "сколько доскольки почем когда почему зачем где куда откуда какой каков ли".split()
)
# misheard forms of these («доскальки», «сколька») still ask: matched fuzzily on unknown words
FUZZY_QUESTION_WORDS = ("сколько", "доскольки", "почему", "откуда")
FUZZY_QUESTION_CUTOFF = 84.0
# unstressed vowels are what recognition gets wrong in Russian («доскальке»): the consonants of a
# long question word, in order, identify it
_NOT_CONSONANTS = str.maketrans("", "", "аеёиоуыэюяьъй")
QUESTION_SKELETONS = frozenset(
    sk for sk in (w.translate(_NOT_CONSONANTS) for w in FUZZY_QUESTION_WORDS) if len(sk) >= 4)
# a sentence of only these acknowledges or reacts, whatever its intonation mark («Понятно?»,
# «Ну что ж, заманчиво?»)...
ACKNOWLEDGEMENTS = frozenset(
    "понятно хорошо ясно ладно да ага угу спасибо ну отлично так понял поняла конечно окей нет "
    "заманчиво интересно неплохо здорово прекрасно замечательно супер записал записала записываю "
    # regret, resignation and surprise react too («Эх, жаль, ладно?», Whisper's «?» on a falling
    # «ладно»; «жаль, ну что поделать?»: «поделать» is said in that saying only)
    "жаль обидно увы эх ох ах ой правда серьезно поделать".split()
)
# ...and so does one with pronouns and particles around them («ну все, я вас поняла?», «их жаль»)
_ACK_COMPANIONS = frozenset("я вас вы все это а и что ж же вот их его ее".split())
# with these, «нет» asks whether someone or something is there («А их нет?»)
_SOMEONE = frozenset("их его ее".split())
_THANKS = frozenset(("спасибо", "благодарю", "спасибочки"))
# «Что? Не расслышала»: a bare «что?» asks to repeat, not about a topic
_PARDON = frozenset("что как а ась простите извините повторите".split())
# «Как можно скорее?» answers a question about timing, whatever its mark
_AS_SOON_AS_POSSIBLE = re.compile(r"^как можно \w+(ее|ей|ше|же|ле)$")
# words that ask for an amount, a price or a time: a number in the reply answers them
AMOUNT_WORDS = frozenset(match_key(w) for w in "сколько доскольки почем когда цена стоимость стоить во время".split())
_AMOUNT_QUESTION_WORDS = ("сколько", "доскольки")
_DISCOURSE_VERBS = frozenset("знать понимать слышать видеть представлять смотреть слушать".split())
# verbs of expecting: said in the past, they report a hope that was not met («я думал, подскажете»)
_EXPECTING_VERBS = frozenset("думать надеяться рассчитывать ожидать полагать считать".split())
# «во что обойдётся?» asks a price; Whisper splits «почём» in two and writes «насколько» for «на
# сколько» (whole words: its five-letter key is that of «наскоро»)
AMOUNT_PHRASES = ("по чем", "во что", "насколько")
# after «а у вас» / «скажите» a plain statement is a question in speech
QUESTION_OPENERS = ("скажите", "подскажите", "а у вас", "у вас есть", "интересует", "хотел узнать", "хотела узнать")
# the openers long enough to be recognised misheard, as the question words are
_OPENER_WORDS = ("скажите", "подскажите")
# «Алло, вы там?» after a silence asks for attention, not for an answer
ATTENTION_CHECKS = ("вы тут", "вы там", "вы здесь", "слышите меня", "есть кто", "куда пропали", "куда делись",
                    "вы на связи", "меня слышно")
ATTENTION_OPENERS = ("алло", "ау", "эй")
# Russian word order is free: «вы меня слышите вообще?» says «слышите меня»; «вы тут» is left in
# its order, as «а тут вы доставляете?» asks about a place
_ATTENTION_FORMS = tuple(dict.fromkeys(
    [*ATTENTION_CHECKS, *(" ".join(reversed(c.split())) for c in ATTENTION_CHECKS if not c.startswith("вы "))]))
# a seller's line with these asks though its «?» was lost (`asks_without_its_mark`), unless it tells
# of the company or the word stands in a phrase that asks nothing
_INTERROGATIVES = frozenset(("что", "как", "или"))
_TELLS_OF_US = frozenset(("мы", "нас", "наш", "наши", "нам"))
_CLAUSE_OPENERS = frozenset(("а", "и", "ну", "так"))
_NOT_ASKING = frozenset(("как раз", "так как", "как и", "как будто", "как только", "как можно", "потому что",
                         "так что", "что бы", "то что", "или нет",
                         # «упакуем как следует»: an adverb
                         "как следует"))
# Whisper's probability of a word under which it was more guessed than heard
UNSURE_PROBABILITY = 0.5
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_SENTENCE_END = re.compile(r"[^.?!…]+[.?!…]*")
_WORD = re.compile(r"[\w-]+")
_NUMBER = re.compile(r"^\d+(\.\d+)?$")
_DASHED = re.compile(r"^-\d")
# prepositions and particles: after an anchor word they mean the value was lost
_FUNCTION_KEYS = frozenset(match_key(w) for w in "в на с к у о по за до от из и а но же ну вот это".split())
_LI = match_key("ли")
DAY_LEMMAS = frozenset(
    "понедельник вторник среда четверг пятница суббота воскресенье завтра послезавтра сегодня".split()
)
_RUBLE_KEYS = frozenset(match_key(w) for w in ("рубль", "руб", "р"))
_RUBLE_ENDINGS = ("рублей", "рубля")
# lemma keys of the unit words that may follow a number, per knowledge-base unit
UNIT_KEYS: dict[str, frozenset[str]] = {
    "rub": frozenset(match_key(w) for w in ("рубль", "руб", "р", "тысяча")),
    "years": frozenset(match_key(w) for w in ("год", "лет")),
    "percent": frozenset(match_key(w) for w in ("процент", "%")),
    "days": frozenset(match_key(w) for w in ("день", "сутки", "рабочий")),
    "hours": frozenset(match_key(w) for w in ("час",)),
}

# what a question asks for, by its words, per knowledge-base unit: «во сколько обойдётся
# привезти?» asks a price, «за сколько дней привезёте?» a delay, though both name delivery
_ASKED_UNIT_WORDS = {
    "rub": "стоить стоимость цена почем обойтись рубль деньги денег платный бесплатно",
    "days": "день неделя срок быстро долго",
    "time": "час закрываться открыться открытый вечер утро",
    "years": "год лет служить",
    "percent": "процент",
}
_ASKED_UNIT_KEYS: dict[str, frozenset[str]] = {
    unit: frozenset(key for w in words.split() for key in word_keys(w)) for unit, words in _ASKED_UNIT_WORDS.items()}


def asked_units(text: NormText) -> frozenset[str]:
    """The knowledge-base units a line asks for by its words (none, one or several)."""
    units = frozenset(unit for unit, keys in _ASKED_UNIT_KEYS.items() if keys & text.key_set)
    if units or not _asks_what_one_charges(text):
        return units
    return frozenset({"rub"})


_HOW_MUCH_KEYS = frozenset(match_key(w) for w in ("сколько", "почем"))
_TIME_LEMMAS = frozenset(("время", "час", "минута"))


def _asks_what_one_charges(text: NormText) -> bool:
    """«Сколько берёте за стрижку?», «почём возьмёте?»: how much the company charges, «брать» or «взять»
    in the present or future, whatever the lemmatiser made of «берете» without its «ё» (a beret). Not
    «сколько времени берёт стрижка?»."""
    if not text.key_set & _HOW_MUCH_KEYS or any(t.lemma in _TIME_LEMMAS for t in text.tokens):
        return False
    return any(p.normal_form in ("брать", "взять") and p.tag.POS == "VERB" and p.tag.tense != "past"
               for t in text.tokens if t.text.isalpha() for p in morph_parses(t.text))


@dataclass(frozen=True)
class StatedValue:
    value: float | str
    text: str
    token_start: int
    token_end: int
    # known only as «value or more, below up_to»: the thousands came through, the rest was garbled
    up_to: float | None = None

    def agrees_with(self, expected: float | str) -> bool:
        if self.up_to is not None and not isinstance(expected, str):
            return float(self.value) <= float(expected) < self.up_to
        return values_equal(self.value, expected)


def fact_keywords_found(fact: Fact, text: NormText) -> int:
    """How many of the fact's keywords the line contains, each in words of its own: «стоит» is
    both the keyword «стоит» and the keyword «стоимость», and names the fact once."""
    memo_key = ("fact keywords", *fact.keywords)
    count = text.memo.get(memo_key)
    if count is None:
        claimed: set[int] = set()
        count = 0
        for words in sorted((keyword_words(k, text) for k in fact.keywords), key=len):
            if words and not words <= claimed:
                count += 1
                claimed |= words
        text.memo[memo_key] = count
    return count


def only_acknowledges(words: Sequence[str]) -> bool:
    if "нет" in words and _SOMEONE & set(words):
        return False
    return (any(w in ACKNOWLEDGEMENTS for w in words)
            and all(w in ACKNOWLEDGEMENTS or w in _ACK_COMPANIONS for w in words))


def sentence_texts(raw: str) -> list[str]:
    """The sentences of a recognised line, as written."""
    return [s for s in _SENTENCE_END.findall(raw) if s.strip()]


def sentence_words(raw: str) -> list[list[str]]:
    """The folded words of each sentence of a recognised line."""
    return [words for _, words in _marked_sentence_words(raw)]


def _marked_sentence_words(raw: str) -> list[tuple[bool, list[str]]]:
    """Each sentence's folded words, with whether it ends in «?»."""
    return [(sentence.rstrip().endswith("?"), words) for sentence in _SENTENCE_END.findall(raw)
            if (words := _WORD.findall(fold(sentence)))]


def only_asks(raw: str) -> bool:
    """Every sentence of the line asks, but for a word or two of assent («Ага. А номер для связи
    продиктуете?»): a line that goes on to tell something («Да. Проверил. Идёт по шесть тысяч за куб.
    Куда прислать?») does more than ask."""
    return any(s.rstrip().endswith("?") for s in _SENTENCE_END.findall(raw)) and all(
        s.rstrip().endswith("?") or len(_WORD.findall(s)) <= 2 for s in _SENTENCE_END.findall(raw))


def _asks_by_mark(raw: str) -> bool:
    """A sentence ending in «?» that is more than an acknowledgement («Понятно? Хорошо.» asks
    nothing) or a request to repeat."""
    for sentence in _SENTENCE_END.findall(raw):
        words = _WORD.findall(fold(sentence))
        if (sentence.rstrip().endswith("?") and not only_acknowledges(words) and not set(words) <= _PARDON
                and not _AS_SOON_AS_POSSIBLE.match(" ".join(words))):
            return True
    return False


@lru_cache(maxsize=8)
def _skeletons(words: tuple[str, ...]) -> frozenset[str]:
    return QUESTION_SKELETONS & {w.translate(_NOT_CONSONANTS) for w in words}


def misheard_question_word(text: NormText, words: tuple[str, ...] = FUZZY_QUESTION_WORDS) -> bool:
    skeletons = _skeletons(words)
    return any(
        len(t.text) >= 6 and not t.text[:1].isdigit() and not is_known_word(t.text)
        and (t.text.translate(_NOT_CONSONANTS) in skeletons
             or process.extractOne(t.text, words, scorer=fuzz.ratio, score_cutoff=FUZZY_QUESTION_CUTOFF) is not None)
        for t in text.tokens
    )


# a seller's line with these asks the client, «?» or not: «как вас зовут», «сразу или в рассрочку»,
# «в понедельник к десяти, получится»
_SELLER_ASKS = frozenset(match_key(w) for w in "как кто чем или получиться устроить удобно подойти смочь".split())


def seller_asks(text: NormText) -> bool:
    """A seller's line that asks the client by its words, whether or not recognition kept its «?»."""
    return bool(_SELLER_ASKS & text.key_set)


def asks_without_its_mark(text: NormText) -> bool:
    """«А что за стройка у вас, расскажите», «сроки поджимают или время терпит»: a seller's «что»,
    «как» or «или», the predicate first (`_asks_by_word_order`) or «расскажите» asks, its «?» lost, in a line that tells nothing of the company («мы», «у нас»)
    and outside the phrases where these words ask nothing («как раз», «потому что»)."""
    words = [t.text for t in text.tokens]
    if _TELLS_OF_US & set(words):
        return False
    if _asks_by_word_order(words) or _asks_to_describe(words):
        return True
    for i, word in enumerate(words):
        after = words[i + 1] if i + 1 < len(words) else ""
        before = words[i - 1] if i else ""
        if word not in _INTERROGATIVES or f"{word} {after}" in _NOT_ASKING or f"{before} {word}" in _NOT_ASKING:
            continue
        # «что» after a verb joins a clause («извините, что долго», «рассказывайте, что нужно»); it
        # asks where a clause begins («а что за стройка») or after its preposition («на что»)
        if word != "что" or not before or before in _CLAUSE_OPENERS or part_of_speech(before) == "PREP":
            return True
    return False


# said, the addressee comes first («у вас есть сумма», «вам нужна доставка»); asked, the predicate.
# Not «надо/нужно вам» with an infinitive, an instruction («Надо вам просто приехать»), nor «будет»
_PREDICATES = frozenset("есть нужен нужна нужны".split())


def _asks_by_word_order(words: Sequence[str]) -> bool:
    """«Есть у вас какая-то сумма, за которую не хотелось бы выходить», «А нужна вам доставка»: a
    line that opens with the predicate before «у вас» or «вам» asks, its «?» lost."""
    i = 1 if words[:1] and words[0] in _CLAUSE_OPENERS else 0
    return (i + 1 < len(words) and words[i] in _PREDICATES
            and (words[i + 1] == "вам" or words[i + 1:i + 3] == ["у", "вас"]))


# «расскажите», «опишите»: the client is asked to tell about their case, as a question asks
_DESCRIBING_VERBS = frozenset("рассказать рассказывать описать описывать".split())
# what may follow such an imperative when it asks about the client's case (not «расскажите знакомым»)
_DESCRIBE_WHAT = frozenset("о об про в вкратце подробнее пожалуйста немного поподробнее что как какой какая какие".split())


@lru_cache(maxsize=4096)
def _imperative_of_describing(word: str) -> bool:
    return any(p.tag.mood == "impr" and p.normal_form in _DESCRIBING_VERBS for p in morph_parses(word))


def _asks_to_describe(words: Sequence[str]) -> bool:
    """«А что за стройка у вас, расскажите» heard as «А чтобы застройка у вас, расскажите»: the
    imperative of a verb of telling, ending the line or followed by what to tell, asks whatever
    recognition made of the question word."""
    return any(_imperative_of_describing(w) and (k + 1 == len(words) or words[k + 1] in _DESCRIBE_WHAT)
               for k, w in enumerate(words))


def is_question(utt: Utterance, text: NormText, facts: Sequence[Fact] = ()) -> bool:
    """A question by intonation mark, question word, opener, or by naming a
    knowledge-base topic: Whisper often drops the «?» of a spoken question."""
    if not text.tokens or only_acknowledges([t.text for t in text.tokens]):
        return False
    # «Хорошо. Что, информации достаточно? Спасибо.»: a «?» before the closing thanks asks nothing
    if _asks_by_mark(utt.text) and not _ends_in_thanks(utt.text):
        return True
    if asks_by_word(text) or _has_phrase(text, AMOUNT_PHRASES) or misheard_question_word(text):
        return True
    if opens_a_question(text):
        return True
    # one keyword is a mention, not a question: «нужен газобетон» asks nothing; nor does a line
    # that ends in thanks («…участок в Подольске. Информации достаточно, спасибо.»)
    if _ends_in_thanks(utt.text):
        return False
    if utt.speaker == "client" and (_tells_the_seller_what_they_do(text) or _tells_the_seller_what_is_possible(utt.text)):
        return True
    return any(len(f.keywords) >= 2 and fact_keywords_found(f, text) >= 2 for f in facts)


def _tells_the_seller_what_they_do(text: NormText) -> bool:
    """«Поддоны потом забираете», «в Химки возите»: a client does not tell the company what it
    does, so such a line asks, though recognition lost its «?». «Знаете», «понимаете» are mere
    discourse markers."""
    if reports_an_expectation(text):
        return False
    # a word the dictionary lacks is a garble whose «вы» form the parser only guessed: «оформуляете»
    # for «оформляйте», said in reply to «на чьё имя оформить?»
    # «как скажете», «как решите»: a clause of manner after «как» leaves the choice to the seller
    # «мне ваш номер дали, сказали, вы делаете визитки»: what someone said of the company is reported
    said = next((k for k, t in enumerate(text.tokens) if t.lemma in _SAYING_VERBS and _past_tense_verb(t.text)),
                len(text.tokens))
    return any(is_second_person_verb(t.text) and is_known_word(t.text) and _plural(t.text)
               and t.lemma not in _DISCOURSE_VERBS and not (k > 0 and text.tokens[k - 1].text == "как")
               for k, t in enumerate(text.tokens[:said]))


_SAYING_VERBS = frozenset(("сказать", "говорить", "посоветовать", "рассказать", "написать", "слышать", "услышать"))


# before «у вас можно» these report or suppose, they do not ask («мне сказали, что у вас можно…»)
_REPORTING = frozenset("что если значит раз сказали говорили знаю слышал слышала поэтому".split())


def _tells_the_seller_what_is_possible(raw: str) -> bool:
    """«А картой у вас можно расплатиться»: what can be done at the company is the company's to say;
    a client's sentence that says it, with an action, asks, though recognition lost its «?». Not a
    report or a supposition («мне сказали, что у вас можно…», «если у вас можно…»), nor «можно
    сказать»."""
    for words in sentence_words(raw):
        at = next((i for i in range(len(words) - 1) if words[i:i + 2] == ["у", "вас"]), None)
        if (at is not None and "можно" in words[at:] and not _REPORTING & set(words[:at])
                and any(part_of_speech(w) == "INFN" and w != "сказать" for w in words[at:])):
            return True
    return False


def _plural(word: str) -> bool:
    """A client speaks to the company as «вы»; a «ты» form is the generic one of a saying
    («ничего не поделаешь», «никогда не знаешь»), which asks nothing."""
    parses = morph_parses(word)
    return bool(parses) and parses[0].tag.number == "plur"


def reports_an_expectation(text: NormText) -> bool:
    """«Жаль, я думала, подскажете»: a verb of expecting in the past reports what the client had
    hoped for; the «вы» verb after it is the hope, not a question."""
    return any(t.lemma in _EXPECTING_VERBS and any(p.tag.tense == "past" for p in morph_parses(t.text))
               for t in text.tokens if t.text.isalpha())


def hails_attention(text: NormText) -> bool:
    """«Алло, вы там?», «вы куда пропали?»: the phone line, not a topic, is asked about."""
    hails = (any(t.text in ATTENTION_OPENERS for t in text.tokens[:2])  # «Хм, алло, …?»
             and not text.key_set & QUESTION_WORDS)
    return hails or any(f" {c} " in f" {text.surface} " for c in _ATTENTION_FORMS)


def heard_unsure(utt: Utterance) -> bool:
    """The recogniser was unsure of a word of the line: what it wrote may not be what was said."""
    return any(w.probability < UNSURE_PROBABILITY for w in utt.words)


def sure_text(utt: Utterance, text: NormText) -> NormText:
    """The line without the words the recogniser was unsure of: «да где до шестидесяти упаковок»
    was «да, где-то шестьдесят», and its «где» (probability 0.36) asks nothing. The line itself
    when every word was sure, or when it has no word timings (the truth's own turns)."""
    if not heard_unsure(utt):
        return text
    return normalise_text(" ".join(w.text for w in utt.words if w.probability >= UNSURE_PROBABILITY))


def opens_a_question(text: NormText) -> bool:
    """«Скажите…», «а у вас…»: after these a plain statement asks; also «подскажите» misheard
    («порскажите»), as the question words are."""
    return (any(text.surface.startswith(opener) or f" {opener}" in text.surface for opener in QUESTION_OPENERS)
            or misheard_question_word(text, _OPENER_WORDS))


def _ends_in_thanks(raw: str) -> bool:
    """The last sentence thanks (a trailing «да» or «хорошо» is a mere filler), or the one right
    after the last «?» does and nothing after it opens another clause: «Как раз то. Что нужно?
    Спасибо. Вы мне очень помогли.» closes the call; «Сколько стоит? Спасибо. А доставка есть.» asks on."""
    pieces = _marked_sentence_words(raw)
    if not pieces:
        return False
    if _THANKS & set(pieces[-1][1]):
        return True
    asked = [k for k, (marked, _) in enumerate(pieces) if marked]
    after = [words for _, words in pieces[asked[-1] + 1:]] if asked else []
    return bool(after) and bool(_THANKS & set(after[0])) and not any(words[0] in _CLAUSE_OPENERS for words in after[1:])


def asks_by_word(text: NormText) -> bool:
    """A question word, not an indefinite one («какой-то»), though a «-нибудь» one may ask
    (`_asks_by_an_indefinite`); «ли» only after the word it asks about («есть ли»), which is a word
    with a meaning of its own: after a conjunction, a preposition or a pronoun («а ли это», «насчёт
    ли их», «у вас ли это») it is a garble of another word («года», «летних»), not a question."""
    keys = text.keys.split()
    for i, key in enumerate(keys):
        if text.tokens[i].text.endswith(_INDEFINITE):
            continue  # «какой-то номер», «где-то тридцать» tell, they do not ask
        if key in QUESTION_WORDS and (key != _LI or (i > 0 and _asks_about(text.tokens[i - 1]))):
            return True
    return _asks_by_an_indefinite(text)


_INDEFINITE = ("-то", "-нибудь", "-либо")
# «если что-нибудь понадобится»: a condition; «я бы взял что-нибудь подешевле»: a wish
_CONDITION_OR_WISH = frozenset("если чтобы бы б".split())
# the verbs an indefinite question is asked with: «скидки какие-нибудь есть», «бывает»
_BEING = frozenset("есть бывает бывают будет будут".split())


def _asks_by_an_indefinite(text: NormText) -> bool:
    """«Скидка какая-нибудь бывает», «скидки какие-нибудь есть», «вы у нас что-нибудь покупали»: a
    «-нибудь» pronoun with «есть»/«бывает», or with «вы» and a verb in the past, asks. Beside other
    verbs it is as often said as asked («обычно берут что-нибудь попроще», «как-нибудь
    разберусь»), and never asks under a condition or a wish («если что-нибудь понадобится», «я бы
    взял что-нибудь подешевле»). Whisper writes the pronoun with or without its hyphen, or apart."""
    words = [t.text for t in text.tokens]
    if not any(w.endswith("нибудь") for w in words) or not _CONDITION_OR_WISH.isdisjoint(words):
        return False
    return not _BEING.isdisjoint(words) or ("вы" in words and any(_past_tense_verb(w) for w in words))


def _past_tense_verb(word: str) -> bool:
    parses = morph_parses(word)
    return bool(parses) and "VERB" in parses[0].tag and "past" in parses[0].tag


def _asks_about(tok: Token) -> bool:
    """The word before «ли» may be what it asks about: not a word of grammar."""
    return tok.key not in _FUNCTION_KEYS and part_of_speech(tok.text) not in GRAMMAR_POS


def asks_amount(text: NormText) -> bool:
    """The line asks for a price, a quantity or a time: a number in the reply answers it."""
    return (bool(AMOUNT_WORDS & text.key_set) or _has_phrase(text, AMOUNT_PHRASES)
            or misheard_question_word(text, _AMOUNT_QUESTION_WORDS))


def _has_phrase(text: NormText, phrases: Sequence[str]) -> bool:
    return any(f" {p} " in f" {text.surface} " for p in phrases)


def _top_facts(facts: Sequence[Fact], found: Callable[[Fact], int]) -> list[Fact]:
    """The facts with the most keywords found (ties included); none when no keyword was."""
    counts = [found(f) for f in facts]
    best = max(counts, default=0)
    return [f for f, c in zip(facts, counts) if best and c == best]


def candidate_facts(question: NormText, facts: Sequence[Fact]) -> list[Fact]:
    """Every fact that ties for the most keywords: «10 кубов… офис где?» names two."""
    return _top_facts(facts, lambda f: fact_keywords_found(f, question))


def fact_for_question(question: NormText, facts: Sequence[Fact]) -> Fact | None:
    """The fact a question is about: most keywords found, and no tie."""
    tied = candidate_facts(question, facts)
    if len(tied) > 1:
        # prefer the fact all of whose keywords were said
        tied = [f for f in tied if fact_keywords_found(f, question) == len(f.keywords)]
    return tied[0] if len(tied) == 1 else None


def _in_range(toks: Sequence[Token], i: int) -> bool:
    """«2-3 недели», or Whisper's garbles «105-1200» and «по 5 1200 рублей» (two numbers side by
    side): no single value was stated."""
    return (any(_dashed_after_number(toks, j) for j in (i, i + 1))
            or _number_at(toks, i - 1) or _number_at(toks, i + 1))


def _number_at(toks: Sequence[Token], j: int) -> bool:
    return 0 <= j < len(toks) and bool(_NUMBER.match(toks[j].text))


def _dashed_after_number(toks: Sequence[Token], j: int) -> bool:
    """«-3» after «2», or «-500» after «100 -200»: the tail of a range or of a garbled chain."""
    return 0 < j < len(toks) and bool(_DASHED.match(toks[j].text)) and bool(_NUMBER.match(toks[j - 1].text.lstrip("-")))


def fact_for_exchange(question: NormText, reply: NormText, facts: Sequence[Fact]) -> Fact | None:
    """The fact a question and its reply are about together: «доставка туда почем?» —
    «в Подольск за …» names neither fact alone, both lines together do."""
    def together(f: Fact) -> int:
        asked = sum(1 for k in f.keywords if keyword_found(k, question))
        said = sum(1 for k in f.keywords if keyword_found(k, reply))
        return asked + said if asked and said else 0  # «приедете к нам» alone does not ask the address

    tied = _top_facts(facts, together)
    return tied[0] if len(tied) == 1 else None


# the parts of speech a value of a text fact is said in: a street's name, a house number
_NAMING_POS = frozenset(("NOUN", "ADJF", "ADJS", "NUMR"))
# before a clock time these say when, not how long: «в шесть часов», «к трём часам», «до восьми»
_AT_A_TIME = frozenset("в во к до с со после около".split())
# before «N дня» these make it an hour of the afternoon («в 12 дня»); «до трёх дней», «около двух
# дней» are still days
_AT_AN_HOUR = frozenset("в во к с со после".split())


def _whole_hours(toks: Sequence[Token], i: int) -> float | None:
    """«длится шесть часов» is normalised to the clock time «06:00»; asked how long something
    takes, it is six hours. Not after a word that makes it a time of day («в шесть часов»)."""
    tok = toks[i]
    if not _TIME.match(tok.text) or not tok.text.endswith(":00") or (i > 0 and toks[i - 1].text in _AT_A_TIME):
        return None
    return float(int(tok.text.split(":")[0]))


def stated_values(text: NormText, unit: str) -> list[StatedValue]:
    """Values of the fact's kind that a line states."""
    out: list[StatedValue] = []
    toks = text.tokens
    for i, tok in enumerate(toks):
        if unit == "rub" and (thousands := _thousands_of_a_garble(toks, i)):
            out.append(thousands)
        if _in_range(toks, i):
            continue
        if unit == "hours" and (hours_long := _whole_hours(toks, i)) is not None:
            out.append(StatedValue(hours_long, tok.text, i, i + 1))
            continue
        if unit == "time":
            if _TIME.match(tok.text):
                hours, minutes = tok.text.split(":")
                out.append(StatedValue(f"{int(hours):02d}:{minutes}", tok.text, i, i + 1))
            continue
        # «скидка -10%»: a dash Whisper writes before a lone number is no minus sign
        number = tok.text[1:] if _DASHED.match(tok.text) else tok.text
        if not _NUMBER.match(number):
            continue
        value = float(number)
        follows = match_key(toks[i + 1].lemma) if i + 1 < len(toks) else ""
        units = UNIT_KEYS.get(unit, frozenset())
        if follows in units:
            if unit == "days" and i > 0 and toks[i - 1].text in _AT_AN_HOUR:
                continue  # «в 12 дня», «к трём дня»: an hour of the afternoon, not a count of days
            if follows == match_key("тысяча"):
                value *= 1000
            out.append(StatedValue(value, f"{tok.text} {toks[i + 1].text}", i, i + 2))
        elif unit == "rub" and value >= 1000 and value % 1000 == 0 and _word_before_rubles(toks, i + 1):
            # «5 тысяч человек рублей»: the hundreds («двести») were heard as a word
            out.append(StatedValue(value, " ".join(t.text for t in toks[i:i + 3]), i, i + 3, up_to=value + 1000))
        elif unit == "rub" and value >= 100:
            # «доставка будет две тысячи пятьсот» needs no «рублей» to be a price
            out.append(StatedValue(value, tok.text, i, i + 1))
    return out


def _word_before_rubles(toks: Sequence[Token], j: int) -> bool:
    return (j + 1 < len(toks) and toks[j].text.isalpha() and toks[j].key not in _FUNCTION_KEYS
            and _says_rubles(toks[j + 1]))


def _says_rubles(tok: Token) -> bool:
    """«рублей», or a garble with it glued on («стерублей» for «двести рублей»)."""
    return match_key(tok.lemma) in _RUBLE_KEYS or (tok.text.endswith(_RUBLE_ENDINGS) and not is_known_word(tok.text))


def _thousands_of_a_garble(toks: Sequence[Token], i: int) -> StatedValue | None:
    """«4000 8 100 рублей» for «четыре тысячи восемьсот»: a round thousand opening a chain of
    numbers says the price is that thousand and something under the next."""
    if not (_number_at(toks, i) and _number_at(toks, i + 1)) or _number_at(toks, i - 1):
        return None
    value = float(toks[i].text)
    if value < 1000 or value % 1000:
        return None
    end = i + 1
    while _number_at(toks, end):
        end += 1
    return StatedValue(value, " ".join(t.text for t in toks[i:end]), i, end, up_to=value + 1000)


def text_contradiction(fact: Fact, answer: NormText) -> StatedValue | None:
    """Where the reply names a part of a text fact and then another value for it.

    The value «улица Строителей дом двенадцать» is read as anchors and what
    follows them: «на улице Садовой» or «дом двадцать» contradict it. A function
    word after the anchor («на улице в …») is a recognition gap, not a claim, unless the
    number wanted comes right after it («дом в 8»); a
    number right after «Строителей» is the house number with «дом» lost
    (`_contradicts` tells a claim from a garble).
    """
    expected = normalise_text(str(fact.value)).tokens
    toks = answer.tokens
    if other_kind := _another_kind_of_street(expected, toks):
        return other_kind
    for k in range(len(expected) - 1):
        anchor = expected[k]
        for i in range(len(toks) - 1):
            end = _value_end(toks, i, expected[k + 1])
            said = toks[end - 1]
            if toks[i].key != anchor.key or said.key in _FUNCTION_KEYS or not _same_part_of_speech(toks[i], anchor):
                continue
            house_number_only = _is_number(said) and not _is_number(expected[k + 1])  # «Строителей, 12»
            want = _next_number(expected, k + 1) if house_number_only else expected[k + 1]
            if want is None or _same_word(said, want):
                continue
            if any(_same_word(said, e) for e in expected):
                # «на Заводской улице, дом 12» for «улица Заводская дом 12»: the next anchor follows,
                # so the name came before this one
                if (named := _named_before(toks, i, expected, want)) is not None:
                    return named
                continue
            if _contradicts(said, want):
                words = " ".join(t.text for t in toks[i:end])
                return StatedValue(words, words, i, end)
            # «на Мирной улице Домбеть» for «улица Садовая дом пять»: what follows the anchor is a garble
            # (no word of the dictionary), and Russian names a street by the adjective before «улица» as
            # often as after it; «на центральной улице, Строителей двенадцать» names the right one
            if (not is_known_word(_unglued(said.text)) and not text_fact_mentioned(fact, answer)
                    and i > 0 and part_of_speech(toks[i - 1].text) == "ADJF"
                    and (named := _named_before(toks, i, expected, want)) is not None):
                return named
    return None


def _named_before(toks: Sequence[Token], i: int, expected: Sequence[Token], want: Token) -> StatedValue | None:
    """The word before anchor `i`, where it names another value than `want`: «Мирной улице»."""
    before = toks[i - 1] if i > 0 else None
    if (before is None or before.key in _FUNCTION_KEYS or any(_same_word(before, e) for e in expected)
            or not _contradicts(before, want)):
        return None
    words = f"{before.text} {toks[i].text}"
    return StatedValue(words, words, i - 1, i + 1)


# the kinds of street an address names: the same name with another kind is another street
_STREET_KINDS = frozenset("улица проспект переулок шоссе бульвар набережная проезд тупик аллея".split())
_HOUSE_WORDS = frozenset("дом корпус строение квартира офис этаж".split())


def _another_kind_of_street(expected: Sequence[Token], toks: Sequence[Token]) -> StatedValue | None:
    """«на улице Мирной, дом 42» for «проспект Мира дом сорок два»: a street named beside another
    kind of street, a house after it, is another address, whatever its name sounds like. Not where
    the reply names the right street too («…дом двенадцать, напротив проспекта»), nor a street
    without a house («метро Проспект Мира, 5 минут», «на улице у нас парковка»)."""
    kinds = [k for k, t in enumerate(expected) if t.lemma in _STREET_KINDS]
    if not kinds:
        return None
    own = {t.lemma for t in expected}  # «Набережная улица»: a kind of street may be the street's own name
    names = [t for t in expected[max(0, kinds[0] - 1):kinds[0] + 2]
             if t.lemma not in _STREET_KINDS and t.lemma not in _HOUSE_WORDS and not _is_number(t)]
    kind = expected[kinds[0]].lemma
    if any(tok.lemma == kind and any(_same_word(toks[j], name) for j in _beside(toks, i) for name in names)
           for i, tok in enumerate(toks)):
        return None  # the right street is named: another one is a landmark
    for i, tok in enumerate(toks):
        if tok.lemma not in _STREET_KINDS or tok.lemma in own or not _house_follows(toks, i):
            continue
        for j in _beside(toks, i):
            neighbour = toks[j]
            if (neighbour.key not in _FUNCTION_KEYS and neighbour.lemma not in _STREET_KINDS
                    and neighbour.lemma not in _HOUSE_WORDS and _pos(neighbour) in _NAMING_POS):
                first, last = min(i, j), max(i, j) + 1
                words = " ".join(t.text for t in toks[first:last])
                return StatedValue(words, words, first, last)
    return None


def _beside(toks: Sequence[Token], i: int) -> list[int]:
    """The indices of the tokens right before and right after token i («улице Мирной», «Мирной улице»)."""
    return [j for j in (i - 1, i + 1) if 0 <= j < len(toks)]


def _house_follows(toks: Sequence[Token], i: int) -> bool:
    """A house word with its number within the few words after the street («…улице, дом 42»)."""
    after = toks[i + 1:i + 6]
    return any(t.lemma in _HOUSE_WORDS and k + 1 < len(after) and _is_number(after[k + 1]) for k, t in enumerate(after))


def _value_end(toks: Sequence[Token], i: int, want: Token) -> int:
    """Where the value said after the anchor at i ends: the next token, or, for a number, the
    number after a lone function word the recogniser slipped in («дом в 8»)."""
    if (_is_number(want) and i + 2 < len(toks) and toks[i + 1].key in _FUNCTION_KEYS
            and _is_number(toks[i + 2])):
        return i + 3
    return i + 2


def _contradicts(said: Token, want: Token) -> bool:
    """Whether `said`, where `want` belongs, is another value rather than a recognition garble."""
    if _same_word(said, want):
        return False
    if _is_number(want):
        # only a number tells another house number («…дом 12. Для дома я бы взял…» does not), and
        # one holding the expected digits among others («1112» for 12) is a garble
        return _is_number(said) and want.text not in said.text
    if _within_two_letters(said.text, want.text):
        return False  # «на улице Беговой» for «Береговой»: Whisper dropped a syllable, the street is the same
    # «улице Страичный» is a garble; «шум с улицы отсекает» goes on with a verb, not a street name
    word = _unglued(said.text)
    return _is_number(said) or (is_known_word(word) and part_of_speech(word) in _NAMING_POS)


# a Russian name changes its last two letters with its case («Береговая», «Береговой»)
_CASE_ENDING = 2


def _within_two_letters(said: str, want: str) -> bool:
    """Two words whose stems, less the case ending, are two letters apart or less, and long enough
    for that to be a slip of recognition rather than another name."""
    a, b = said[:-_CASE_ENDING], want[:-_CASE_ENDING]
    return min(len(a), len(b)) >= 4 and Levenshtein.distance(a, b) <= 2


_GLUED_PREPOSITIONS = ("на", "в", "по", "к", "с")


def _unglued(word: str) -> str:
    """A word with the preposition Whisper glued to it taken off («наполевой» for «на Полевой»), when
    only that makes it a word of the dictionary; else the word itself."""
    if is_known_word(word):
        return word
    return next((word[len(p):] for p in _GLUED_PREPOSITIONS
                 if word.startswith(p) and len(word) - len(p) >= 4 and is_known_word(word[len(p):])), word)


def _same_part_of_speech(said: Token, anchor: Token) -> bool:
    """«А строите что?» shares its first letters with «Строителей» but is a verb, no anchor of an
    address; a garbled word (not in the dictionary) may still be one."""
    if not (is_known_word(said.text) and is_known_word(anchor.text)):
        return True
    return _pos(said) == _pos(anchor)


def _pos(tok: Token) -> str | None:
    return part_of_speech(tok.text)


def _is_number(tok: Token) -> bool:
    return tok.text[:1].isdigit()


def _next_number(toks: Sequence[Token], start: int) -> Token | None:
    return next((t for t in toks[start:] if _is_number(t)), None)


def text_fact_mentioned(fact: Fact, answer: NormText) -> bool:
    """The reply says two words of a text fact's value («улице … дом 12»), or its only word."""
    keys = {t.key for t in answer.tokens}
    value = normalise_text(str(fact.value)).tokens
    return sum(1 for t in value if t.key in keys) >= min(2, len(value))


def _same_word(said: Token, want: Token) -> bool:
    if said.text[:1].isdigit() or want.text[:1].isdigit():
        return said.text == want.text
    return said.key == want.key or fuzz.ratio(said.lemma, want.lemma) >= 76


def values_equal(stated: float | str, expected: float | str) -> bool:
    if isinstance(stated, str) or isinstance(expected, str):
        return str(stated).lstrip("0") == str(expected).lstrip("0")
    return abs(float(stated) - float(expected)) < 1e-6


def expected_value(fact: Fact) -> float | str:
    if fact.unit == "time":
        hours, minutes = str(fact.value).split(":")
        return f"{int(hours):02d}:{minutes}"
    return fact.value


def answer_window(ctx: CallContext, question_index: int, max_seller_turns: int) -> list[int]:
    """The seller's lines after a question, until the client asks something else.

    The answer may come a turn or two later («секундочку… да, две тысячи»): a
    line announcing a hold or excusing the wait does not count as one of the turns.
    """
    utterances = ctx.transcript.utterances
    out: list[int] = []
    turns = 0
    for j in range(question_index + 1, len(utterances)):
        u = utterances[j]
        if u.speaker == "client" and out and is_question(u, ctx.texts[j], ctx.standard.knowledge_base):
            break
        if u.speaker in ("seller", "unknown"):
            out.append(j)
            if not delays_the_reply(ctx, j):
                turns += 1
            if turns >= max_seller_turns:
                break
    return out


# what a client calls about: «интересует кирпич», «хотела бы приобрести газобетон», «я насчёт балкона»
_REQUEST_KEYS = frozenset(match_key(w) for w in
                          "интересовать нужный нужно надо хотеть искать подсказать приобрести купить заказать насчет повод "
                          # «звоню узнать про…», «мне бы сетку сделать»: why one calls
                          "узнать спросить уточнить бы".split())
# «сказали, к вам можно обратиться насчёт…» says why one calls too; by lemma, as «обратно» shares its key
_REQUEST_LEMMAS = frozenset(("обратиться", "обращаться"))
# «насчёт» as many write it, and Whisper with them: «на счет ремонта»
_ABOUT = (match_key("на"), match_key("счет"))


def states_a_request(text: NormText) -> bool:
    """The words say what the client calls about: «интересует», «хотела бы», «насчёт», «обратиться»."""
    keys = [t.key for t in text.tokens]
    return (bool(text.key_set & _REQUEST_KEYS) or any(t.lemma in _REQUEST_LEMMAS for t in text.tokens)
            or any(pair == _ABOUT for pair in zip(keys, keys[1:])))
