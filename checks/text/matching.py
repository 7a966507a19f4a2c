"""Fuzzy phrase matching on lemma keys, with the evidence span it matched.

Recognition errors are the norm on 8 kHz calls, so a reference phrase counts as
said when its lemma keys align with a stretch of the utterance closely enough.
`partial_ratio_alignment` also tells where the stretch is: that span, mapped
back to Whisper's words, is the evidence a QA lead jumps to.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from checks.text.normalise import FILLER_KEYS, GLUED_PREPOSITIONS, NormText, is_known_word, match_key, normalise_text
from pipeline.records import Evidence, Utterance


# references this short (in key characters) need a near-exact match
SHORT_REFERENCE = 6
SHORT_CUTOFF = 90.0
# a word of a keyword matches a word of the text when their lemmas are this close...
LEMMA_CUTOFF = 76.0
# ...unless it is this short: then only the same lemma or key will do
SHORT_KEYWORD = 4
# the words of a keyword of several may stand this many words further apart than side by side
# («часы у вас работы какие»), in any order
KEYWORD_GAP = 2
# a word of a reference phrase is present when a word's key is this close to its own
WORD_CUTOFF = 70.0
# phrases of at most this many words are also found in another word order
MAX_FREE_ORDER_WORDS = 3
# how far under the cutoff a plain alignment may score and still be tried without the fillers
FILLER_SLACK = 20.0
# a keyword this long may be found inside a longer misheard word: «автоподольств»
EMBEDDED_MIN_LEN = 7
EMBEDDED_CUTOFF = 85.0


@dataclass(frozen=True)
class PhraseMatch:
    score: float
    token_start: int
    token_end: int  # exclusive
    reference: str


@lru_cache(maxsize=4096)
def reference_keys(phrase: str) -> str:
    return normalise_text(phrase).keys


def _reference(phrase: str, surface: bool) -> str:
    """What `match_phrase` aligns of a phrase: its word forms, or its lemma keys."""
    return normalise_text(phrase).surface if surface else reference_keys(phrase)


def match_phrase(phrase: str, text: NormText, cutoff: float, *, surface: bool = False) -> PhraseMatch | None:
    """Best alignment of `phrase` inside `text`, or None below `cutoff`.

    `surface=True` compares word forms instead of lemma keys; names such as
    «СтройДом» have no lemma worth the name and are misheard as several words.
    """
    # `_within_reach` lets through what this can find: a change to the paths below goes there too
    ref = _reference(phrase, surface)
    hay = text.surface if surface else text.keys
    if not ref or not hay:
        return None
    if len(ref) <= SHORT_REFERENCE:
        # one changed letter is 20% of a five-letter key: «подойдет» must not match «сподольск»
        cutoff = max(cutoff, SHORT_CUTOFF)
    if len(hay) < len(ref):
        # partial_ratio would align the longer reference over the short text and
        # call a two-word fragment a full match
        score = fuzz.ratio(ref, hay, score_cutoff=cutoff)
        return PhraseMatch(score, 0, len(text.tokens), phrase) if score else None
    found = fuzz.partial_ratio_alignment(ref, hay, score_cutoff=cutoff - FILLER_SLACK)
    if found is None:
        return None if surface else _match_in_any_order(phrase, ref, text)
    if found.score < cutoff:  # near, and a filler word inside may be all that is off
        return None if surface else (_match_without_fillers(phrase, ref, text, cutoff)
                                     or _match_in_any_order(phrase, ref, text))
    if surface:
        start, end = _surface_tokens(text, found.dest_start, found.dest_end)
    else:
        start = text.token_at(found.dest_start)
        end = text.token_at(max(found.dest_start, found.dest_end - 1)) + 1
        if not covers_words(ref.split(), text, start, end):
            return None
    return PhraseMatch(found.score, start, end, phrase)


def _match_in_any_order(phrase: str, ref: str, text: NormText) -> PhraseMatch | None:
    """A short phrase said in another word order: Russian word order is free («день добрый»,
    «вас слушаю», «к нам приедете»). Its words must all be there, next to each other or with
    one word between; the score is the share of the stretch they fill."""
    ref_keys = ref.split()
    if not 2 <= len(ref_keys) <= MAX_FREE_ORDER_WORDS or not set(ref_keys) <= text.key_set:
        return None
    keys, wanted, n = text.keys.split(), set(ref_keys), len(ref_keys)
    for width in (n, n + 1):
        for start in range(len(keys) - width + 1):
            if wanted <= set(keys[start:start + width]):
                return PhraseMatch(100.0 * n / width, start, start + width, phrase)
    return None


@lru_cache(maxsize=4096)
def _reference_without_fillers(ref: str) -> str:
    return " ".join(k for k in ref.split() if k not in FILLER_KEYS)


def _match_without_fillers(phrase: str, ref: str, text: NormText, cutoff: float) -> PhraseMatch | None:
    """The phrase said with a pronoun or particle slipped in: «всего вам доброго» for «всего доброго».

    Both sides lose their filler words and are aligned again; the match maps back to
    the utterance's own words, so the evidence still quotes what was said.
    """
    ref_kept = _reference_without_fillers(ref)
    if len(ref_kept.split()) < 2:
        return None  # one word left («переключу» of «переключу вас») is too loose to align alone
    view = text.without_fillers
    if view is None:
        return None
    kept, hay = view
    if len(hay) < len(ref_kept):
        return None
    found = fuzz.partial_ratio_alignment(ref_kept, hay, score_cutoff=cutoff)
    if found is None:
        return None
    offsets = [0]
    for i in kept[:-1]:
        offsets.append(offsets[-1] + len(text.tokens[i].key) + 1)
    first = max(j for j, o in enumerate(offsets) if o <= found.dest_start)
    last = max(j for j, o in enumerate(offsets) if o <= max(found.dest_start, found.dest_end - 1))
    start, end = kept[first], kept[last] + 1
    if end - start == last - first + 1 or not covers_words(ref_kept.split(), text, start, end):
        return None  # no filler inside the stretch: the plain alignment already said no
    return PhraseMatch(found.score, start, end, phrase)


def covers_words(ref_keys: list[str], text: NormText, start: int, end: int) -> bool:
    """Most words of the reference have a close word in the matched stretch.

    Character alignment alone lets «хорошего дня» match «хорошо договорились»:
    the letters line up while the second word does not.
    """
    span = [t.key for t in text.tokens[max(0, start - 1) : end + 1]]
    covered = sum(1 for k in ref_keys if any(fuzz.ratio(k, s, score_cutoff=WORD_CUTOFF) for s in span))
    needed = len(ref_keys) if len(ref_keys) <= 2 else 0.6 * len(ref_keys)
    return covered >= needed


def _surface_tokens(text: NormText, start: int, end: int) -> tuple[int, int]:
    pos, first, last = 0, None, 0
    for i, tok in enumerate(text.tokens):
        tok_end = pos + len(tok.text)
        if tok_end > start and pos < end:
            first = i if first is None else first
            last = i + 1
        pos = tok_end + 1
    return (first or 0, max(last, (first or 0) + 1))


@lru_cache(maxsize=4096)
def reference_lemmas(phrase: str) -> tuple[tuple[str, str], ...]:
    return tuple((t.lemma, match_key(t.lemma)) for t in normalise_text(phrase).tokens)


def keyword_found(keyword: str, text: NormText) -> bool:
    """Every word of the keyword is in the text, by root or by a close lemma; the words of a
    keyword of several close together («до скольки» is not «до конца месяца… во сколько»).

    Word by word on whole lemmas: «подельские» is a misheard «Подольск», while
    «гараж» is not «гарантия», though their five-letter keys are as close.
    """
    return bool(keyword_words(keyword, text))


def keyword_words(keyword: str, text: NormText) -> frozenset[int]:
    """The positions of the line's words a keyword was found in; none when it was not found. A
    preposition glued back to its word (`NormText.rejoined`) is at the preposition's position."""
    memo = text.keyword_memo
    found = memo.get(keyword)
    if found is None:
        per_word = [_positions(text, _VOCABULARY.id_of(word)) for word in reference_lemmas(keyword)]
        if not all(per_word):
            found = frozenset()
        elif len(per_word) == 1:
            found = frozenset(per_word[0])
        else:
            reach = len(per_word) - 1 + KEYWORD_GAP
            found = frozenset(
                p for start in per_word[0]
                if all(any(abs(p - start) <= reach for p in word) for word in per_word[1:])
                for word in per_word for p in word if abs(p - start) <= reach)
        memo[keyword] = found
    return found


# a line's word as a keyword's word is compared with it: its surface, lemma and key
Signature = tuple[str, str, str]
# the line words whose comparisons are kept: a night's calls use far fewer
MAX_SIGNATURES = 200_000


class _KeywordVocabulary:
    """Every keyword word asked about so far, and which words of the lines each one matches.

    A company's keywords are a few dozen words and its calls share a small vocabulary, so each
    line word is compared with each keyword word once per process, and a line is indexed by the
    keyword words in one pass over its words instead of one pass per keyword.
    """

    def __init__(self) -> None:
        self.words: list[tuple[str, str]] = []
        self._ids: dict[tuple[str, str], int] = {}
        # signature → (how many of `words` it was compared with, the ids of those it matches)
        self._matched: dict[Signature, tuple[int, tuple[int, ...]]] = {}
        self._lock = threading.Lock()

    def id_of(self, word: tuple[str, str]) -> int:
        if word not in self._ids:
            with self._lock:  # the review app analyses in its request threads
                if word not in self._ids:
                    self.words.append(word)
                    self._ids[word] = len(self.words) - 1
        return self._ids[word]

    def matches(self, signature: Signature) -> tuple[int, ...]:
        if len(self._matched) > MAX_SIGNATURES:  # a long-running review app meets ever more words
            self._matched.clear()
        compared, found = self._matched.get(signature, (0, ()))
        known = len(self.words)  # once: another thread may add a word meanwhile
        if compared < known:
            found += tuple(j for j in range(compared, known) if _word_matches(*self.words[j], *signature))
            self._matched[signature] = (known, found)
        return found


_VOCABULARY = _KeywordVocabulary()


def _positions(text: NormText, word_id: int) -> list[int]:
    """Where in the line a keyword word is, the index brought up to every word known so far."""
    index = text.keyword_index
    if word_id >= index.words_indexed:
        start, end, toks = index.words_indexed, len(_VOCABULARY.words), text.tokens
        signatures = [(i, (t.text, t.lemma, t.key)) for i, t in enumerate(toks)
                      if not (i and toks[i - 1].text == "без")]  # «сколько стоит без монтажа» asks of no fitting
        signatures += [(i, (w, w, match_key(w))) for i, w in text.rejoined]
        for i, signature in signatures:
            for j in _VOCABULARY.matches(signature):
                if start <= j < end:
                    index.positions.setdefault(j, []).append(i)
        index.words_indexed = end
    return index.positions.get(word_id, [])


def _word_matches(lemma: str, key: str, text: str, token_lemma: str, token_key: str) -> bool:
    """One word of a keyword against one word of a line."""
    return (token_lemma == lemma or token_key == key or _close(lemma, text, token_lemma)
            or _embedded(lemma, token_lemma))


def _close(lemma: str, text: str, token_lemma: str) -> bool:
    """Fuzzy for words of some length; a short one must begin the word («куб» in «кубы»,
    «опт» in «оптом»): one letter off «опт» is «от»."""
    if len(lemma) <= 2:  # «до» of «до скольки» is not the start of «добрый»
        return False
    if len(lemma) <= SHORT_KEYWORD:
        return (text.startswith(lemma) or token_lemma.startswith(lemma)
                or any(rest.startswith(lemma) for rest in _unglued(text)))  # «закубами»
    # Russian words differ at their ends: «добраться» is not «оборваться», however alike
    return any(word[:1] == lemma[:1] and fuzz.ratio(lemma, word, score_cutoff=LEMMA_CUTOFF)
               for word in (token_lemma, *_unglued(text)))  # «подбудними»


@lru_cache(maxsize=16384)
def _unglued(word: str) -> tuple[str, ...]:
    """What a word not in the dictionary may be with the preposition Whisper glued on taken off
    («закубами» → «кубами»); nothing for a dictionary word («закупка»)."""
    if is_known_word(word):
        return ()
    return tuple(word[len(p):] for p in GLUED_PREPOSITIONS if word.startswith(p) and len(word) > len(p) + 2)


def _embedded(lemma: str, word: str) -> bool:
    """Whisper glues a short word onto a name («в Подольск» → «автоподольств»)."""
    return (len(lemma) >= EMBEDDED_MIN_LEN and len(word) > len(lemma)
            and fuzz.partial_ratio(lemma, word, score_cutoff=EMBEDDED_CUTOFF) > 0)


def best_match(phrases: Sequence[str], text: NormText, cutoff: float, *, surface: bool = False) -> PhraseMatch | None:
    # the answer checks test one line against the hold, evasive and transfer phrases once per question
    memo_key = (tuple(phrases), cutoff, surface)
    if memo_key in text.memo:
        return text.memo[memo_key]
    best: PhraseMatch | None = None
    for phrase in _within_reach(tuple(phrases), text, cutoff, surface):
        found = match_phrase(phrase, text, cutoff, surface=surface)
        if found and (best is None or found.score > best.score):
            best = found
    text.memo[memo_key] = best
    return best


@dataclass(frozen=True)
class _PhraseList:
    references: tuple[str, ...]  # what `match_phrase` aligns of each phrase
    # the keys of each phrase short enough to be found in another word order, else None
    free_order: tuple[frozenset[str] | None, ...]


@lru_cache(maxsize=1024)
def _phrase_list(phrases: tuple[str, ...], surface: bool) -> _PhraseList:
    refs = tuple(_reference(p, surface) for p in phrases)
    free_order = tuple(None if surface or not 2 <= len(r.split()) <= MAX_FREE_ORDER_WORDS else frozenset(r.split())
                       for r in refs)
    return _PhraseList(refs, free_order)


def _within_reach(phrases: tuple[str, ...], text: NormText, cutoff: float, surface: bool) -> list[str]:
    """The phrases `match_phrase` could find in the text: most lines are far from most phrases of a
    list, and a plain score tells so for a fraction of the cost of aligning each. Let through: a
    score `match_phrase`'s alignment could accept (its lowest, less the filler slack), a reference
    longer than the line (compared whole there), and a short phrase whose words are all in the line
    (found in another word order)."""
    listed = _phrase_list(phrases, surface)
    hay = text.surface if surface else text.keys
    if not hay:
        return []
    # One call scores the whole list, the line as the query: rapidfuzz aligns the shorter string
    # inside the longer and tries both ways at equal lengths, so the score is `match_phrase`'s.
    lowest = min(100.0, max(0.0, cutoff - FILLER_SLACK))  # extract refuses a cut-off outside 0–100
    near = {j for _, _, j in process.extract(hay, listed.references, scorer=fuzz.partial_ratio,
                                             score_cutoff=lowest, limit=None)}
    return [phrase for j, (phrase, ref, free_order) in enumerate(zip(phrases, listed.references, listed.free_order))
            if ref and (j in near or len(hay) < len(ref) or (free_order is not None and free_order <= text.key_set))]


def evidence_for(utt: Utterance, text: NormText, match: PhraseMatch) -> Evidence:
    """Quote the matched words with their own timestamps where Whisper gave them."""
    tokens = text.tokens[match.token_start : match.token_end]
    if utt.words and tokens:
        words = utt.words[tokens[0].word_start : tokens[-1].word_end]
        quote = " ".join(w.text for w in words)
        start, end = words[0].start, words[-1].end
    else:
        quote, start, end = utt.text, utt.start, utt.end
    return Evidence(
        start=start, end=end, speaker=utt.speaker, quote=quote,
        reference=match.reference, match_score=round(match.score, 1),
    )
