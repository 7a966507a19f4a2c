"""Russian text normalisation: spaCy `ru` tokens, pymorphy3 lemmas, numbers as digits.

Checks never look at raw Whisper text. They see `NormText`: each token keeps its
surface form (lower-cased, ё folded to е), its lemma, and the span of source
words it came from, so a match can be traced back to the exact seconds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import spacy
from spacy.lang.ru.lemmatizer import RussianLemmatizer
from spacy.language import Language
from spacy.tokens import Token as SpacyToken

from checks.text.numbers import DAYPART_ANCHORS, UNIT_ANCHORS, misheard_numeral, replace_numbers
from pipeline.records import Utterance

# Lemmas cut to this length give the matching key: «встреча» and «встретиться»
# share a root that their lemmas don't show, and fuzzy matching absorbs the rest.
STEM_LEN = 5
_WORD_CHARS = re.compile(r"[\w:.,-]*\w", re.UNICODE)
# suffixes that make an indefinite word of a question word: «где-то», «какой-нибудь»
_PARTICLES = frozenset(("то", "нибудь", "либо", "таки"))
_UNIT_SIGNS = {"%": "процент", "₽": "рубль"}
# question words that «то» without its hyphen turns indefinite («где то шестнадцать»)
_INDEFINITE_BASES = frozenset("где куда когда как какой какая какое какие кто что чей откуда почему зачем".split())


class BestParseLemmatizer(RussianLemmatizer):
    """pymorphy3's most probable lemma, memoised per word form.

    spaCy's lookup mode keeps an ambiguous form as it is («встречу»), which
    hides matches; the blank pipeline has no tagger to disambiguate, so the
    top-scored analysis is the best guess. A call repeats few word forms, so the
    cache makes lemmatisation nearly free.
    """

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._cache: dict[str, str] = {}

    def pymorphy3_lemmatize(self, token: SpacyToken) -> list[str]:
        form = token.lower_
        lemma = self._cache.get(form)
        if lemma is None:
            lemma = self._morph.parse(form)[0].normal_form.replace("ё", "е")
            self._cache[form] = lemma
        return [lemma]


@Language.factory("callqa_lemmatizer", default_config={"mode": "pymorphy3", "overwrite": True})
def make_lemmatizer(nlp: Language, name: str, mode: str, overwrite: bool) -> BestParseLemmatizer:
    return BestParseLemmatizer(nlp.vocab, None, name, mode=mode, overwrite=overwrite)


_NLP_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _build_nlp() -> Language:
    pipeline = spacy.blank("ru")
    pipeline.add_pipe("callqa_lemmatizer")
    pipeline.initialize()
    return pipeline


def nlp() -> Language:
    """The one spaCy pipeline. Locked: `callqa analyze` builds it in a background thread while the
    main thread may ask for it, and lru_cache alone would let both build it at once."""
    with _NLP_LOCK:
        return _build_nlp()


@lru_cache(maxsize=4096)
def is_first_name(word: str) -> bool:
    """pymorphy3 tags Russian given names with the `Name` grammeme."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    return any("Name" in p.tag and p.score >= 0.1 for p in lemmatizer._morph.parse(word))  # type: ignore[attr-defined]


@lru_cache(maxsize=8192)
def morph_parses(word: str) -> tuple[Any, ...]:
    """Every pymorphy3 reading of a word form, most probable first (for checks that read grammar)."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    return tuple(lemmatizer._morph.parse(word))  # type: ignore[attr-defined]


# parts of speech that ask about nothing by themselves (pymorphy3's tags)
GRAMMAR_POS = frozenset(("PREP", "CONJ", "PRCL", "NPRO", "INTJ"))


def part_of_speech(word: str) -> str | None:
    """pymorphy3's part of speech of the word's likeliest reading («PREP», «VERB», «NOUN»…)."""
    parses = morph_parses(word)
    return str(parses[0].tag.POS) if parses and parses[0].tag.POS else None


@lru_cache(maxsize=8192)
def is_comparative(word: str) -> bool:
    """«лучше», «дешевле» in their most probable reading: lemmatised to «хороший», «дешёвый»."""
    parses = morph_parses(word)
    return bool(parses) and parses[0].tag.POS == "COMP"


@lru_cache(maxsize=8192)
def names_a_person(word: str) -> bool:
    """A noun for a person in its most probable reading: «сотрудник», «менеджера», «мастер»."""
    best = morph_parses(word)[0] if morph_parses(word) else None
    return best is not None and best.tag.POS == "NOUN" and best.tag.animacy == "anim"


@lru_cache(maxsize=8192)
def is_second_person_verb(word: str) -> bool:
    """«забираете», «работаете»: a verb that can only say what «вы» do or will do; «переводите»
    may also ask the listener to do it (imperative), and is left out."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    tags = [p.tag for p in lemmatizer._morph.parse(word)]  # type: ignore[attr-defined]
    return (tags[0].POS == "VERB" and tags[0].person == "2per" and tags[0].mood == "indc"
            and not any(t.mood == "impr" for t in tags))


@lru_cache(maxsize=8192)
def is_third_person_verb(word: str) -> bool:
    """«рассчитает», «занимается»: a verb that says what «он» or «она» does or will do."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    best = lemmatizer._morph.parse(word)[0]  # type: ignore[attr-defined]
    return best.tag.POS == "VERB" and best.tag.person == "3per"


@lru_cache(maxsize=8192)
def may_be_first_name(word: str) -> bool:
    """Any reading of the word is a given name, however rare: «Веру» is far more often «faith»,
    so only a capital in the middle of a sentence can tell (`is_first_name` asks for more)."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    return any("Name" in p.tag for p in lemmatizer._morph.parse(word.lower()))  # type: ignore[attr-defined]


@lru_cache(maxsize=8192)
def first_person_singular_verb(word: str) -> str | None:
    """The infinitive of «загляну», «заглянусь» (without «-ся»), or None for any other form."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    best = lemmatizer._morph.parse(word)[0]  # type: ignore[attr-defined]
    if best.tag.POS == "VERB" and best.tag.person == "1per" and best.tag.number == "sing":
        return str(best.normal_form).removesuffix("ся")
    return None


@lru_cache(maxsize=8192)
def is_known_word(word: str) -> bool:
    """In pymorphy3's dictionary: a misheard word («доскальки») usually is not."""
    lemmatizer = nlp().get_pipe("callqa_lemmatizer")
    return bool(lemmatizer._morph.word_is_known(word))  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Token:
    text: str  # lower-cased, ё→е surface form; a number in canonical digits
    lemma: str
    word_start: int  # first source word index
    word_end: int  # exclusive
    # the matching key, computed once: every phrase and keyword test reads it
    key: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", match_key(self.lemma))


@dataclass
class KeywordIndex:
    """A line's words by the keyword words they match (`checks.text.matching.keyword_words`),
    for the first `words_indexed` keyword words the process has seen."""
    words_indexed: int = 0
    positions: dict[int, list[int]] = field(default_factory=dict)


@dataclass(frozen=True)
class NormText:
    tokens: tuple[Token, ...]
    surface: str  # tokens' text joined by spaces
    keys: str  # tokens' matching keys joined by spaces
    key_offsets: tuple[int, ...]  # start of each token in `keys`

    @cached_property
    def without_fillers(self) -> tuple[tuple[int, ...], str] | None:
        """The indices of the non-filler tokens and their keys joined (None when there is no filler):
        phrase matching tries it when a pronoun may have slipped into a set phrase."""
        kept = tuple(i for i, t in enumerate(self.tokens) if t.key not in FILLER_KEYS)
        if len(kept) == len(self.tokens) or not kept:
            return None
        return kept, " ".join(self.tokens[i].key for i in kept)

    @cached_property
    def key_set(self) -> frozenset[str]:
        return frozenset(self.keys.split())

    @cached_property
    def rejoined(self) -> tuple[tuple[int, str], ...]:
        """A preposition and the word after it written together, where that word is not in the
        dictionary, with the preposition's position: Whisper splits a name as well as it glues one
        («по дольску» for «Подольску»)."""
        toks = self.tokens
        return tuple((i, toks[i].text + toks[i + 1].text) for i in range(len(toks) - 1)
                     if toks[i].text in GLUED_PREPOSITIONS and toks[i + 1].text.isalpha()
                     and not is_known_word(toks[i + 1].text))

    @cached_property
    def keyword_memo(self) -> dict[str, frozenset[int]]:
        """keyword → the positions of the words it was found in (`checks.text.matching.keyword_words`):
        the answer checks ask one line about the same keywords many times."""
        return {}

    @cached_property
    def keyword_index(self) -> KeywordIndex:
        """Where each keyword word is in this text (`checks.text.matching.keyword_words`)."""
        return KeywordIndex()

    @cached_property
    def memo(self) -> dict[tuple[Any, ...], Any]:
        """What was asked of this text → the answer, for the tests the checks repeat: (phrases, cutoff,
        surface) → the best match (`checks.text.matching.best_match`), a fact's keywords → how many
        were found (`checks.dialogue.questions.fact_keywords_found`)."""
        return {}

    def token_at(self, char_offset: int) -> int:
        """Index of the token covering a character offset in `keys`."""
        lo, hi = 0, len(self.key_offsets) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.key_offsets[mid] <= char_offset:
                lo = mid
            else:
                hi = mid - 1
        return lo


def fold(text: str) -> str:
    return text.lower().replace("ё", "е")


def match_key(lemma: str) -> str:
    return lemma if lemma[:1].isdigit() else lemma[:STEM_LEN]


def word_keys(word: str) -> tuple[str, ...]:
    """The keys a list's word matches a line by: its own, and the key a line's word gets from its
    lemma («ладно» of «ладный», «денег» of «деньга»)."""
    return (match_key(word), *(t.key for t in normalise_text(word).tokens))


# the prepositions Whisper glues onto the next word («закубами») or splits off a word («по дольску»)
GLUED_PREPOSITIONS = ("в", "во", "на", "за", "по", "под", "с", "со", "к", "о", "об", "до", "от")
# pronouns and particles slipped into a set phrase: «всего вам доброго», «сейчас я посмотрю»
FILLER_KEYS = frozenset(match_key(w) for w in
                        "вам вас нам нас вы мы я ты же ну вот уж еще очень вообще просто тут прям типа".split())


def _word_spans(words: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    text, spans, pos = [], [], 0
    for w in words:
        spans.append((pos, pos + len(w)))
        text.append(w)
        pos += len(w) + 1
    return " ".join(text), spans


def normalise_words(words: Sequence[str]) -> NormText:
    """Normalise a sequence of source words (Whisper words or plain split text)."""
    return _normalised(tuple(words))


def forget_normalised() -> None:
    """Empty the cache of normalised lines, so that a benchmark normalises and matches every line again."""
    _normalised.cache_clear()


# A call's checks read the same line and its sentences many times, and every call of a company
# has its «Да.» and «До свидания.»; a line's NormText, memos included, depends on its words alone.
@lru_cache(maxsize=4096)
def _normalised(words: tuple[str, ...]) -> NormText:
    joined, spans = _word_spans(words)
    # the pipeline's tokenizer, and its lemmatizer asked word by word: running the whole pipeline
    # costs twice as much, for lemmas the words of punctuation never need
    pipeline = nlp()
    lemmatizer: BestParseLemmatizer = pipeline.get_pipe("callqa_lemmatizer")  # type: ignore[assignment]
    doc = pipeline.make_doc(joined)
    raw: list[tuple[str, str, int]] = []
    word_idx = 0
    dash = False  # «2000-500» arrives as three tokens; the numbers reader wants «2000», «-500»
    decimal = False  # Whisper's «1 ,5 тысячи» is «1,5 тысячи»: the comma sits on the fraction
    for tok in doc:
        while word_idx + 1 < len(spans) and tok.idx >= spans[word_idx + 1][0]:
            word_idx += 1
        if tok.text in _UNIT_SIGNS and raw:
            raw.append((tok.text, _UNIT_SIGNS[tok.text], word_idx))  # «3 %» states a percentage
            continue
        if tok.is_punct or tok.is_space or not _WORD_CHARS.fullmatch(tok.text):
            dash = tok.text in ("-", "–") and bool(raw) and raw[-1][0].isdigit()
            decimal = tok.text in (",", ".") and not tok.whitespace_ and bool(raw) and raw[-1][0].isdigit()
            continue
        text = fold(tok.text)
        if decimal and text.isdigit():
            raw[-1] = (f"{raw[-1][0]},{text}", f"{raw[-1][0]},{text}", raw[-1][2])
            decimal = False
            continue
        decimal = False
        if dash and text.isdigit() and not text.startswith("0"):  # «9-00» is a time, not a tail
            text = "-" + text
        dash = False
        particle = text.lstrip("-") in _PARTICLES and (text.startswith("-") or raw and raw[-1][0] in _INDEFINITE_BASES)
        if raw and particle:
            # Whisper writes «где -то» or «где то»: «где-то» is one word, and it asks nothing
            merged = raw[-1][0] + "-" + text.lstrip("-")
            raw[-1] = (merged, merged, raw[-1][2])
            continue
        raw.append((text, lemmatizer.pymorphy3_lemmatize(tok)[0], word_idx))
    raw = _recover_numerals(raw)
    collapsed = replace_numbers([text for text, _, _ in raw])
    tokens: list[Token] = []
    for text, start, end in collapsed:
        is_number = end - start > 1 or text != raw[start][0]
        lemma = text if is_number else raw[start][1]
        tokens.append(Token(text=text, lemma=lemma, word_start=raw[start][2], word_end=raw[end - 1][2] + 1))
    keys, offsets, pos = [], [], 0
    for tok in tokens:
        key = tok.key
        offsets.append(pos)
        keys.append(key)
        pos += len(key) + 1
    return NormText(
        tokens=tuple(tokens),
        surface=" ".join(t.text for t in tokens),
        keys=" ".join(keys),
        key_offsets=tuple(offsets),
    )


# «до семьи вечера»: between one of these and «утра»/«вечера» only an hour fits, even a real word
_HOUR_PREPOSITIONS = frozenset("до с со в к после около".split())


def _recover_numerals(raw: list[tuple[str, str, int]]) -> list[tuple[str, str, int]]:
    """«футри тысячи» → «три тысячи»: an unknown word right before a unit word, read as the one
    numeral it is close to (`checks.text.numbers.misheard_numeral`)."""
    out = list(raw)
    for i in range(len(raw) - 1):
        word, unit = raw[i][0], raw[i + 1][0]
        an_hour_slot = unit in DAYPART_ANCHORS and i > 0 and raw[i - 1][0] in _HOUR_PREPOSITIONS
        if unit in UNIT_ANCHORS and word.isalpha() and (an_hour_slot or not is_known_word(word)):
            numeral = misheard_numeral(word, unit)
            if numeral is not None:
                out[i] = (numeral, numeral, raw[i][2])
    return out


def normalise_text(text: str) -> NormText:
    return normalise_words(text.split())


def normalise_utterance(utt: Utterance) -> NormText:
    if utt.words:
        return normalise_words([w.text for w in utt.words])
    return normalise_text(utt.text)
