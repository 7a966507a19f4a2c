"""Answers to client questions: wrong or evasive (article, example 6), and which client lines
are questions (`checks.rules.ignored` judges the unanswered ones).

A client question is paired with the seller's next lines. When the knowledge
base holds the fact asked about, the values the seller states are compared
with it; a fact the knowledge base lacks is never judged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np
from rapidfuzz.distance import Levenshtein

from checks.dialogue.questions import (
    ACKNOWLEDGEMENTS,
    UNSURE_PROBABILITY,
    StatedValue,
    answer_window,
    asked_units,
    asks_amount,
    asks_by_word,
    candidate_facts,
    expected_value,
    fact_for_exchange,
    fact_for_question,
    fact_keywords_found,
    heard_unsure,
    hails_attention,
    is_question,
    seller_asks,
    sentence_texts,
    sentence_words,
    stated_values,
    states_a_request,
    text_contradiction,
    text_fact_mentioned,
)
from checks.dialogue.holds import delays_the_reply
from checks.dialogue.hours import fact_bound, times_at, times_told_at
from checks.dialogue.stages import stage_hits
from checks.hearing import (LOST_SLOT_WORDS, Reheard, lost_value_reheard, reheard_value, shares_a_numeral, spoken_forms,
                            spoken_hours)
from checks.text.matching import PhraseMatch, best_match, evidence_for, keyword_found, keyword_words, reference_lemmas
from checks.dialogue.stages import bids_goodbye
from checks.meaning.asking import question_model
from checks.meaning.calls import fact_index, sentences_asking, topic_index, words_or_meaning
from checks.meaning.index import MeaningIndex, MeaningMatch, clean
from checks.registry import CallContext, CheckResult, register
from checks.rules.dispatching import DEFAULTS as DISPATCH_DEFAULTS
from checks.standard import Fact
from checks.text.normalise import (NormText, first_person_singular_verb, match_key, normalise_text, part_of_speech,
                                   word_keys)
from pipeline.records import Finding, Utterance, Word

log = logging.getLogger(__name__)

DEFAULT_EVASIVE = ["не знаю", "понятия не имею", "без понятия", "это не ко мне", "перезвоните позже",
                   "не могу сказать", "не подскажу", "не в курсе", "уточните сами"]
# function words that say nothing about a line's topic
STOP_KEYS = frozenset(
    match_key(w) for w in (
        "в на у с по для за к о об от до из а и но или да нет ну вот же ли не ни что как это то так "
        "я мы вы ты он она они мне вам нам вас нас меня себя мой ваш наш есть быть можно хотеть "
        "сказать подсказать скажите очень там тут здесь еще уже какой сколько когда где почему "
        "если бы тоже только весь все этот тот который "
        # discourse markers open any line: «Слушайте, а…», «Знаете, …», «хочу узнать»
        "слушать смотреть знать понимать кстати вообще просто узнать"
    ).split()
) | frozenset(key for w in ACKNOWLEDGEMENTS for key in word_keys(w))  # «Хорошо?» in both lines is no topic
# how much nearer in meaning a line must be to one of the facts its keywords tie on than to the
# others: «доставка в Тверь» is 0.02–0.05 nearer to one delivery than to the other, «яблоки по
# какой цене?» 0.19 nearer to the apples' price than to the thujas'
TIE_MARGIN = 0.1
# verbs of knowing or telling: with «не» from the seller, or after «сложно», they evade the question
_KNOWING_VERBS = frozenset("знать разбираться подсказать сказать ответить понимать ведать владеть".split())
_HARD_TO = frozenset(("сложно", "трудно", "затрудняюсь"))
# a stated number this many times off the knowledge base or more is misheard, not misinformed
PLAUSIBLE_RATIO = 10.0
# a value heard again (`checks.hearing`) whose audio fits the knowledge base's value said in words
# within this many nats of the value written was perhaps misread: no wrong answer. On the development
# calls (akv44, final22) the wrong values said fit 6 nats better or more, the misread ones 4 at most
# (docs/accuracy.md#hearing-a-stated-value-again)
REHEAR_MARGIN = 3.0
# a sum with no numeral in common with the right one is no word-at-a-time misreading: the audio must
# fit the right value at least as well as the one written (banya44: «538 тысяч» for «триста восемьдесят тысяч»
# fits 14 nats worse; a «десять лет» written «20» fits «пять лет» 0.9 nats worse, and stays wrong)
UNSHARED_REHEAR_MARGIN = 0.0
# a value Whisper lost before its unit (`_lost_value`): the line as written fits the audio by more
# than this many nats better than with the knowledge base's value in its place. Calibrated in
# docs/accuracy.md#a-value-whisper-lost-heard-again
LOST_VALUE_MARGIN = 8.3
# the words that say a value of the unit was stated, its number lost: «пять петеч рублей»,
# «работаем, дадите вечера». «тысяч» is the number's own word, so not a unit here
_LOST_UNIT_KEYS: dict[str, frozenset[str]] = {
    unit: frozenset(match_key(w) for w in words.split()) for unit, words in {
        "rub": "рубль руб", "time": "вечер утро", "years": "год лет", "percent": "процент", "days": "день сутки",
    }.items()}
# the unit's longer forms, found within one letter too: Whisper glues the number's last sound to them
# («тысяча восемьсот рублей» written «тысяча и места трублей»)
_LOST_UNIT_FORMS: dict[str, tuple[str, ...]] = {
    "rub": ("рублей", "рубля"), "time": ("вечера",), "percent": ("процентов", "процента")}
# a word heard under this may be a value Whisper lost («действует репь года»: 0.59); the words of
# «хорошего вечера» are heard above it
_GARBLED_PROBABILITY = 0.7
# a unit word after these names a part of the day, not an hour: «с утра», «к вечеру»
_PART_OF_THE_DAY_PREPOSITIONS = frozenset(("с", "со", "до", "к", "по"))
# a client saying what may be done asks whether it may: «оформить можно по телефону»
_PERMISSION_WORDS = frozenset(("можно", "нельзя", "получится"))


def client_questions(ctx: CallContext) -> list[int]:
    return [i for i, u in enumerate(ctx.transcript.utterances) if u.speaker == "client" and _client_asks(ctx, i)]


def _asks_once(ctx: CallContext, whose: str, i: int, decide: Callable[[CallContext, int], bool]) -> bool:
    """Whether line i asks, decided once per call: every answer check asks it of every line."""
    memo = ctx.asks_memo
    if (whose, i) not in memo:
        memo[whose, i] = decide(ctx, i)
    return memo[whose, i]


def _client_asks(ctx: CallContext, i: int) -> bool:
    return _asks_once(ctx, "client", i, _client_line_asks)


def _client_line_asks(ctx: CallContext, i: int) -> bool:
    """A question by the rules (`is_question`, `_asks_permission`) or by the meaning of its words
    (`checks.meaning.asking`): Whisper's «?» is a weak sign both ways. A line the rules take for a
    question by its «?» alone tells when the words of every marked sentence tell («Ну, где-то четыре
    пары?» after «сколько вам нужно?»), and so does a reply to the seller's question whose every
    sentence tells (with no «?» and no verb of asking, even naming a fact: the client says what they
    need); a line the rules pass over asks when one sentence's words ask («а гарантия на
    него какая» with no «?») and it neither replies to the seller's question nor opens the call."""
    utt, text, kb = ctx.transcript.utterances[i], ctx.texts[i], ctx.standard.knowledge_base
    permission = _asks_permission(ctx, i)
    if not (is_question(utt, text, kb) or permission):
        # a reply to the seller's question is an answer, whatever its words sound like («Если можно,
        # частями, в рассрочку.» after «как оплачивать будете?»), unless a sentence after its first
        # asks (`asks_by_meaning`); the client's first line says
        # why they call («Выбираю коляску, знакомые ваш магазин посоветовали.»)
        # and a goodbye closes the call, whatever recognition made of the words around it («И вам
        # всего доброго до Семенда Анирия»)
        if i == first_client_line(ctx) or bids_goodbye(utt.text):
            return False
        if seller_question_before(ctx, i) is not None:
            return asks_by_meaning(ctx, i, after_the_first=True)
        return asks_by_meaning(ctx, i)
    threshold, said = question_model().tells_below, sentences_asking(ctx.meaning, i, utt.text)
    marked = [s.probability for s in said if s.marked]
    by_mark_alone = not permission and not is_question(replace(utt, text=utt.text.replace("?", ".")), text, kb)
    if by_mark_alone and marked and all(p is not None and p < threshold for p in marked):
        return False
    # a reply to the seller's question whose every sentence tells answers, whatever question word
    # recognition made of it («Какая стараюсь мне опаздывать» for «годится, постараюсь не опаздывать»
    # after «вам удобно будет?»); so does a line with no «?» whose question word is a conjunction's
    # («Отлично, это всё, что я хотел узнать»), unless it says what may be done (`_asks_permission`)
    unmarked = "?" not in utt.text and not permission
    tells = bool(said) and all(s.probability is not None and s.probability < threshold for s in said)
    replies = replies_to_the_seller(ctx, i)
    if tells and unmarked and (replies or i == first_client_line(ctx)) and not states_a_request(text):
        # what the client says of their need, with no «?», tells though it names a topic of the
        # knowledge base: «мы под Серпуховом, а берём для музыкальной школы» after «для чего
        # подбираете?»; «ещё хотела уточнить по доставке» asks, by its verb
        return False
    return not (tells and (replies or unmarked) and not candidate_facts(text, kb))


def first_client_line(ctx: CallContext) -> int | None:
    """The index of the client's first line; None in a call where the client says nothing."""
    return next((j for j, u in enumerate(ctx.transcript.utterances) if u.speaker == "client"), None)


def asks_by_meaning(ctx: CallContext, i: int, after_the_first: bool = False) -> bool:
    """A sentence of the line asks by its words' meaning, «?» or not (`checks.meaning.asking`); with
    `after_the_first`, a sentence after the first: a reply to the seller's question that goes on to ask
    («Не горит, можно и через пару недель. До которого часа вы открыты.»)."""
    threshold = question_model().asks_above
    said = sentences_asking(ctx.meaning, i, ctx.transcript.utterances[i].text)
    return any(s.probability is not None and s.probability > threshold for s in said[1 if after_the_first else 0:])


def seller_line_asks(ctx: CallContext, i: int) -> bool:
    """The seller's line asks the client something, whether or not recognition kept its «?»."""
    return _asks_once(ctx, "seller", i, _seller_asks)


def _seller_asks(ctx: CallContext, i: int) -> bool:
    return is_question(ctx.transcript.utterances[i], ctx.texts[i]) or seller_asks(ctx.texts[i]) or asks_by_meaning(ctx, i)


def _asks_permission(ctx: CallContext, i: int) -> bool:
    """«Оформить все можно по телефону» asks, though recognition lost its «?»: a client has no
    say in what the company can do. Not as a reply to the seller's question («как вас зовут?» —
    «можно просто Борис») nor after «да»/«нет» («да, можно»)."""
    says_what_may_be_done = any(
        words[0] not in ("да", "нет") and any(
            w in _PERMISSION_WORDS and not (w == "можно" and k > 0 and words[k - 1] == "как")
            for k, w in enumerate(words))
        # permission is for an action: «оформить можно?»; «наличными, если можно» answers
        and any(part_of_speech(w) == "INFN" for w in words)
        for words in sentence_words(ctx.transcript.utterances[i].text))
    # the word test first: it is cheap, and most client lines fail it
    return says_what_may_be_done and seller_question_before(ctx, i) is None


def replies_to_the_seller(ctx: CallContext, i: int) -> bool:
    """Line i follows the seller's question, other than the greeting's «чем могу помочь?», which the
    reason for calling answers, a question among it or not."""
    before = seller_question_before(ctx, i)
    first_seller = next((j for j, u in enumerate(ctx.transcript.utterances) if u.speaker == "seller"), None)
    return before is not None and before != first_seller


def seller_question_before(ctx: CallContext, i: int) -> int | None:
    """The line before line i (by a known speaker), when it is the seller asking; else None."""
    utterances = ctx.transcript.utterances
    before = next((j for j in range(i - 1, -1, -1) if utterances[j].speaker != "unknown"), None)
    if before is None or utterances[before].speaker != "seller":
        return None
    return before if seller_line_asks(ctx, before) else None


def topic_lines(ctx: CallContext) -> list[int]:
    """Client questions, and client lines that name a knowledge-base topic:
    recognition drops the «?» and garbles the question word, rarely both keywords."""
    kb = ctx.standard.knowledge_base
    questions = set(client_questions(ctx))
    return [
        i for i, u in enumerate(ctx.transcript.utterances)
        if i in questions or (u.speaker == "client" and (any(fact_keywords_found(f, ctx.texts[i]) for f in kb)
                                                          or fact_by_meaning(ctx, i) is not None))
    ]


def question_fact(ctx: CallContext, index: int) -> Fact | None:
    """The fact a client line asks about: by its keywords, else by meaning, when the fact has
    example questions («а привезти во сколько обойдётся?» names no keyword of delivery).

    Whisper runs a client's turns together: «Мне нужны саженцы яблони. А вечером вы до скольки?»
    asks about the hours in its last sentence, though its first names the apple trees. So a line
    that tells before it asks is asked about in its asking sentence first."""
    memo = ctx.question_fact_memo
    if index not in memo:
        asked = _asking_sentence(ctx, index)
        fact = _fact_of_sentence(ctx, index, *asked) if asked is not None else None
        memo[index] = fact or fact_of_line(ctx, index) or fact_by_meaning(ctx, index)
    return memo[index]


def _asking_sentence(ctx: CallContext, index: int) -> tuple[str, NormText] | None:
    """The last sentence or clause that asks, as written and normalised, of a line whose other
    sentences and clauses do not all ask; else None. A clause opened by «, а» is a sentence of its
    own here: «меня интересует плёнка для пикапа, а утром вы с какого времени принимаете» asks
    about the morning in its second clause."""
    utt = ctx.transcript.utterances[index]
    sentences = [(s, normalise_text(s)) for s in (s.strip() for s in _clauses(sentence_texts(utt.text))) if s]
    if len(sentences) < 2:
        return None
    kb = ctx.standard.knowledge_base
    # «меня интересует плёнка» says what the client calls about, asking nothing of its own; «а
    # доставку нужно заказывать отдельно?» asks by its mark
    asks = [is_question(replace(utt, text=s), text, kb)
            and ("?" in s or not (states_a_request(text) and not asks_by_word(text) and not asks_amount(text)))
            for s, text in sentences]
    if all(asks) or not any(asks):
        return None
    return next(s for s, a in zip(reversed(sentences), reversed(asks)) if a)


# «…, а утром вы с какого времени?»: «а» after a comma opens a clause of its own («а то», «а также»
# too, which only cuts a line one clause finer)
_NEW_CLAUSE = re.compile(r",\s+(?=а\s)", re.IGNORECASE)


def _clauses(sentences: list[str]) -> list[str]:
    return [clause for sentence in sentences for clause in _NEW_CLAUSE.split(sentence)]


def _fact_of_sentence(ctx: CallContext, index: int, sentence: str, text: NormText) -> Fact | None:
    """The fact one sentence of line `index` names by keywords, else by meaning (the sentence is
    one of the line's units when it has words enough)."""
    kb = ctx.standard.knowledge_base
    fact = fact_for_question(text, kb)
    tied = candidate_facts(text, kb) if fact is None else []
    if fact is not None or (len(tied) >= 2 and (fact := _one_of_the_tied(tied, text))):
        return fact
    unit = clean(sentence)
    if unit not in ctx.meaning.units[index] or not any(f.example_questions for f in kb) or hails_attention(text):
        return None
    index_ = fact_index(ctx.standard)
    sims = ctx.meaning.similarities(index_, index)[ctx.meaning.units[index].index(unit)]
    found = index_.matches([unit], sims[None, :])
    best = max(found.values(), key=lambda m: m.similarity - m.threshold, default=None)
    return _meaning_within_keywords(best, tied, kb, index_, sims)


def fact_of_line(ctx: CallContext, index: int) -> Fact | None:
    """The fact a line's keywords name; when they tie between facts of different topics (no
    keyword shared: «сетка… на одно окно» names the net's and the window's), the one whose topic
    the line is nearest to in meaning. Facts of one family (two deliveries) stay tied: the line
    asks about what the knowledge base lacks («доставка в Тверь»)."""
    text, kb = ctx.texts[index], ctx.standard.knowledge_base
    fact = fact_for_question(text, kb)
    tied = candidate_facts(text, kb) if fact is None else []
    if len(tied) >= 2 and (own := _one_of_the_tied(tied, text)) is not None:
        return own
    if len(tied) < 2 or not fact_keywords_found(tied[0], text) or _share_a_keyword(tied):
        return fact
    index_ = topic_index(ctx.standard)
    sims = ctx.meaning.similarities(index_, index)
    if not sims.size:
        return None
    best = {f.id: float(max((row[j] for row in sims for j, label in enumerate(index_.labels) if label == f.id),
                             default=-1.0)) for f in tied}
    return max(tied, key=lambda f: best[f.id])


def _one_of_the_tied(tied: list[Fact], text: NormText) -> Fact | None:
    """Of the tied facts, those of the unit the line asks for, when it names one («во сколько
    обойдётся привезти?» names the delivery's price and its delay, and asks a price); of these the
    one named by a keyword of its own, else the only one. «Сколько стоит?» asks a price: a
    warranty's keyword «сколько» does not make it the warranty's."""
    of_unit = _of_the_unit_asked(text, tied)
    own = _only_one_with_a_keyword_of_its_own(of_unit or tied, text)
    if own is not None:
        return own
    return of_unit[0] if len(of_unit) == 1 else None


def _of_the_unit_asked(text: NormText, facts: list[Fact]) -> list[Fact]:
    units = asked_units(text)
    return [f for f in facts if f.unit in units]


def _only_one_with_a_keyword_of_its_own(tied: list[Fact], text: NormText) -> Fact | None:
    """The one tied fact the line names by a keyword no other tied fact has: «сколько стоит вывезти
    старую технику?» says «стоит», which the prices of delivery and of fitting share, and «старая
    техника», which only removal has. A keyword several facts share does not tell them apart."""
    def own(f: Fact) -> bool:
        others = {k for g in tied if g is not f for k in g.keywords}
        shared_words = set().union(*(keyword_words(k, text) for k in f.keywords if k in others))
        # «стоит» is the shared «стоит» and delivery's own «стоимость» in one word: not its own
        return any(k not in others and not keyword_words(k, text) <= shared_words for k in f.keywords)
    found = [f for f in tied if own(f)]
    return found[0] if len(found) == 1 else None


def _share_a_keyword(facts: list[Fact]) -> bool:
    keys = [set(f.keywords) for f in facts]
    return any(a & b for i, a in enumerate(keys) for b in keys[i + 1:])


def fact_by_meaning(ctx: CallContext, index: int) -> Fact | None:
    if index not in ctx.fact_memo:
        ctx.fact_memo[index] = _fact_by_meaning(ctx, index)
    return ctx.fact_memo[index]


def _fact_by_meaning(ctx: CallContext, index: int) -> Fact | None:
    kb = ctx.standard.knowledge_base
    if not any(f.example_questions for f in kb):
        return None  # no examples: keywords alone, as before
    found = ctx.meaning.match(fact_index(ctx.standard), index)
    if found is None:
        return None
    utt, text = ctx.transcript.utterances[index], ctx.texts[index]
    # a line with no keyword must at least ask («нам нужен утеплитель» names no fact), and of more
    # than the phone line («вы куда пропали?» is near «куда к вам ехать?» and asks no address)
    if not is_question(utt, text, kb) or hails_attention(text):
        return None
    index_ = fact_index(ctx.standard)
    row = ctx.meaning.similarities(index_, index).max(axis=0)
    return _meaning_within_keywords(found, candidate_facts(text, kb), kb, index_, row)


def _meaning_within_keywords(found: MeaningMatch | None, tied: list[Fact], kb: list[Fact],
                             index: MeaningIndex, sims: np.ndarray) -> Fact | None:
    """The fact meaning found, where the line's keywords leave room for it. With no keyword, any.
    When keywords tie between facts («яблоки по какой цене?» says the «цена» of every price),
    the tied fact meaning puts clearly first: «доставка в Тверь» names delivery and no fact's
    place, and is about as near to delivery to Moscow as to Podolsk; it asks what the knowledge
    base lacks, and stays unlinked."""
    if found is None:
        return None
    fact = next((f for f in kb if f.id == found.label), None)
    if not tied:
        return fact
    if fact not in tied:
        return None
    labels = index.label_array
    runner_up = max((float(np.where(labels == f.id, sims, -np.inf).max()) for f in tied if f is not fact),
                    default=-np.inf)
    return fact if found.similarity - runner_up >= TIE_MARGIN else None


def _judged_facts(ctx: CallContext, question: int, answer: int) -> Iterator[Fact]:
    """The facts a question-and-answer pair may be about, most telling first.

    A reply that names a fact is judged on it, whatever the client said before
    («строим под Подольском» — «по Москве привезём за полторы тысячи»). Then the
    question's fact; when recognition garbled it («сколько в тайпуга за
    бетонзаку?»), the keywords of question and reply together, or the reply's
    own words of a text fact, or the one fact the reply gives a word of and a value of («в рабочие
    трудимся до шести вечера»), or, the question's fact lost, the fact the reply is near in meaning,
    or the one fact of the unit the reply tells a value in.
    The first of these the reply states a value of is judged.
    """
    kb = ctx.standard.knowledge_base
    q, a = ctx.texts[question], ctx.texts[answer]

    def candidates() -> Iterator[Fact | None]:  # lazily: most replies are judged on the first
        yield fact_of_line(ctx, answer)
        yield question_fact(ctx, question)
        yield fact_for_exchange(q, a, kb)
        yield text_fact_in_reply(a, kb)
        yield fact_of_a_word_and_value(a, kb)
        yield _only_fact_of_the_unit_asked(q, kb)
        yield _fact_of_the_reply_by_meaning(ctx, question, answer)
        yield _only_fact_of_the_unit_told(ctx, question, answer)

    seen: set[int] = set()
    for fact in candidates():
        if fact is not None and id(fact) not in seen:
            seen.add(id(fact))
            yield fact


def _first_verdict(ctx: CallContext, question: int, answer: int) -> tuple[list[Fact], tuple[Fact, StatedValue] | None]:
    """The first of the exchange's facts (`_judged_facts`) the reply states a value of, with its
    verdict; and the facts tried up to it, all of them when there is none."""
    facts: list[Fact] = []
    asked = question_fact(ctx, question)
    if asked is not None and _verdict(ctx, answer, asked) is _AGREES:
        # the asked fact's value, right, answers it, whatever other fact the reply's words name: «до
        # скольки работаете?» — «мы открыты до восьми вечера» names the opening hour's «открыты»
        return [asked], (asked, _AGREES)
    for fact in _judged_facts(ctx, question, answer):
        facts.append(fact)
        if (verdict := _verdict(ctx, answer, fact)) is not None:
            return facts, (fact, verdict)
    return facts, None


def answers_wrongly(ctx: CallContext, question: int, answer: int) -> bool:
    """This check takes the reply for the question's answer and finds its value wrong: the question
    was answered, wrongly, and is no ignored question as well («…где у вас магазин, какой адрес» —
    «на улице Мира, дом четыре»)."""
    _, found = _first_verdict(ctx, question, answer)
    return found is not None and found[1] is not _AGREES


def _fact_of_the_reply_by_meaning(ctx: CallContext, question: int, answer: int) -> Fact | None:
    """The fact whose example questions the reply is near in meaning, when recognition left the
    question no fact at all: «на которого чайцы к вам можно успеть» — «открыты мы до семи вечера»
    (near «во сколько вы вечером закрываетесь»). Only where neither line names a keyword: «доставка
    в Тверь» names delivery and no fact's place, asking what the knowledge base lacks. A reply is
    judged only on a value it states."""
    if not _question_left_no_fact(ctx, question, answer):
        return None
    found = ctx.meaning.match(fact_index(ctx.standard), answer)
    return next((f for f in ctx.standard.knowledge_base if f.id == found.label), None) if found else None


def _only_fact_of_the_unit_told(ctx: CallContext, question: int, answer: int) -> Fact | None:
    """The one fact the reply's value can be of, by its unit, when recognition left the question no
    fact: «вы в подне доскальке и работаете?» — «мы на месте до пяти вечера» tells the one hour the
    knowledge base holds. Not a line that proposes a meeting or says another stage («могу записать вас
    на осмотр завтра к 10 утра»): its value is no fact's."""
    utt = ctx.transcript.utterances[answer]
    if not _question_left_no_fact(ctx, question, answer) or _said_in_a_stage(ctx, utt.start, utt.end):
        return None
    kb, text = ctx.standard.knowledge_base, ctx.texts[answer]
    times = stated_values(text, "time")
    # an hour only as a word tells it («до пяти»): «завтра в 10 утра» may make an appointment
    told = [f for f in kb if f.unit != "text"
            and (times_told_at(text, times, f) if f.unit == "time" else stated_values(text, f.unit))]
    return told[0] if len(told) == 1 else None


def _question_left_no_fact(ctx: CallContext, question: int, answer: int) -> bool:
    """A question Whisper was unsure of, linked to no fact, and neither line names a keyword. Only
    such: «А менеджер во сколько будет на месте?», heard sure, asks what the knowledge base does not
    hold, and «он будет до семи» tells no closing time."""
    kb = ctx.standard.knowledge_base
    return (heard_unsure(ctx.transcript.utterances[question]) and question_fact(ctx, question) is None
            and not candidate_facts(ctx.texts[question], kb) and not candidate_facts(ctx.texts[answer], kb))


def _only_fact_of_the_unit_asked(question: NormText, kb: list[Fact]) -> Fact | None:
    """«Выды каркова часа открыты» asks an hour; when the knowledge base has one fact told in
    hours, the reply's hour is judged on it, whatever recognition made of the question's words."""
    found = _of_the_unit_asked(question, kb)
    return found[0] if len(found) == 1 else None


def fact_of_a_word_and_value(reply: NormText, kb: list[Fact]) -> Fact | None:
    found = [f for f in kb if f.unit != "text" and states_its_value(reply, f, kb) and names_a_keyword_word(f, reply)]
    return found[0] if len(found) == 1 else None


def states_its_value(text: NormText, fact: Fact, kb: Sequence[Fact]) -> bool:
    """A value of the fact's unit; a time only at the fact's end of the day (`times_at`)."""
    values = stated_values(text, fact.unit)
    return bool(times_at(text, values, fact, kb) if fact.unit == "time" else values)


def text_fact_in_reply(reply: NormText, kb: list[Fact]) -> Fact | None:
    """«Найти нас просто: улица Садовая, дом 12» answers «куда подъехать?» with the address,
    whatever words the question used."""
    return next((f for f in kb if f.unit == "text" and text_fact_mentioned(f, reply)), None)


def finding_at(kind: str, severity: str, ctx: CallContext, index: int, evidence: str, reference: str,
             check: str, details: dict[str, object], start: float | None = None, end: float | None = None) -> Finding:
    u = ctx.transcript.utterances[index]
    return Finding(type=kind, severity=severity,  # type: ignore[arg-type]
                   start=u.start if start is None else start, end=u.end if end is None else end,
                   speaker=u.speaker, evidence=evidence, reference=reference, check=check, details=details)


@register("wrong_answer", "25", requires=("knowledge_base",), needs_roles=True)
def wrong_answer_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    """Seller lines that state a knowledge-base value and contradict it.

    A line is judged as the reply to a client question, or on its own when it
    names the fact («в Подольск привезем за четыре тысячи») — recognition often
    garbles the question while the answer comes through.
    """
    turns = int(params.get("answer_turns", 3))
    judged: dict[int, Finding | None] = {}
    for q in topic_lines(ctx):
        for a in _replies(ctx, q, turns):
            if a in judged:
                continue
            # the facts tried are kept, so that a reply stating none of them need not find them again
            facts, found = _first_verdict(ctx, q, a)
            if found is None:
                lost = _lost_value(ctx, q, a, facts, params)
                if lost is not None:
                    judged[a] = lost if isinstance(lost, Finding) else None
                    break
                continue
            fact, verdict = found
            judged[a] = _judge(ctx, q, a, fact, verdict, params)
            break  # the first line that states a value is the answer
    for a, u in enumerate(ctx.transcript.utterances):
        if u.speaker != "seller" or a in judged:
            continue
        fact = _named_fact(ctx, a)
        verdict = _verdict(ctx, a, fact) if fact is not None else None
        if fact is not None and verdict is not None and verdict is not _AGREES:
            judged[a] = _judge(ctx, None, a, fact, verdict, params)
    return CheckResult(findings=tuple(f for _, f in sorted(judged.items()) if f is not None))


_AGREES = StatedValue("", "", 0, 0)


def _judge(ctx: CallContext, q: int | None, a: int, fact: Fact, verdict: StatedValue,
           params: Mapping[str, Any]) -> Finding | None:
    """The finding for a verdict, unless it agrees or the audio says the right value as well
    as the one Whisper wrote."""
    if verdict is _AGREES:
        return None
    reheard = _reheard(ctx, a, fact, verdict)
    if reheard is not None and reheard.fits_expected(_rehear_margin(fact, verdict, params)):
        return None
    return _wrong(ctx, q, a, fact, verdict, params, reheard)


def _rehear_margin(fact: Fact, stated: StatedValue, params: Mapping[str, Any]) -> float:
    """How near the right value must fit the audio, in nats, to the value written, for the finding to
    go: Whisper misreads a number a word at a time, so a value sharing a numeral with the right one is
    given `rehear_margin`; for one sharing none the right value must fit at least as well
    («три года» for «пять лет» is what was said). Asked only of numbers (`_reheard` hears no other)."""
    if shares_a_numeral(float(stated.value), float(expected_value(fact))):  # type: ignore[arg-type]
        return float(params.get("rehear_margin", REHEAR_MARGIN))
    return float(params.get("unshared_rehear_margin", UNSHARED_REHEAR_MARGIN))


def _reheard(ctx: CallContext, a: int, fact: Fact, stated: StatedValue) -> Reheard | None:
    """A number of the seller's line heard again against the knowledge base's; None without the
    audio, or for a range, a time or a text (their spoken forms are many)."""
    expected = expected_value(fact)
    if (ctx.hearing is None or fact.unit in ("text", "time") or isinstance(expected, str)
            or isinstance(stated.value, str) or stated.up_to is not None):
        return None
    tokens = ctx.texts[a].tokens
    first, last = tokens[stated.token_start].word_start, tokens[stated.token_end - 1].word_end
    utt = ctx.transcript.utterances[a]
    said = [form for value in _heads(float(stated.value), float(expected)) for form in spoken_forms(value)]
    try:
        return reheard_value(ctx.hearing, utt, first, last, said, spoken_forms(float(expected)), _heard_on(ctx, utt))
    except Exception:  # noqa: BLE001 - the audio gone, a model that will not load: judge as transcribed
        log.warning("could not hear the value at %.1f s again; judged as transcribed", utt.start, exc_info=True)
        return None


def _lost_value(ctx: CallContext, q: int, a: int, facts: Sequence[Fact],
                params: Mapping[str, Any]) -> Finding | bool | None:
    """A reply that says the asked fact's unit with its value lost («стоять пять петеч рублей»), heard
    again: a finding when the audio fits the line as written clearly better than with the knowledge
    base's value in the value's place, True when it fits the right value, None when the line is
    no such reply (no unit, or every word before the unit heard sure: «хорошего вечера»). `facts`:
    those the reply may be about (`_judged_facts`), in their order."""
    utt = ctx.transcript.utterances[a]
    if ctx.hearing is None or not utt.words:
        return None
    for fact in facts:
        keys, expected = _LOST_UNIT_KEYS.get(fact.unit), expected_value(fact)
        if keys is None or (isinstance(expected, str) and fact.unit != "time"):
            continue
        unit = _unit_word(utt, ctx.texts[a], fact.unit)
        forms = spoken_hours(str(expected), fact_bound(fact)) if fact.unit == "time" else spoken_forms(float(expected))
        if (unit is None or not forms or _said_in_a_stage(ctx, *_sentence_of(utt, unit))
                or (fact.unit == "time" and _part_of_the_day(utt, unit))):
            continue
        slot = utt.words[max(0, unit - LOST_SLOT_WORDS):unit]
        if all(w.probability >= _GARBLED_PROBABILITY for w in slot):
            continue
        try:
            reheard = lost_value_reheard(ctx.hearing, utt, unit, forms, _heard_on(ctx, utt))
        except Exception:  # noqa: BLE001 - the audio gone, a model that will not load: judged as transcribed
            log.warning("could not hear the value at %.1f s again", utt.start, exc_info=True)
            return None
        if reheard is None:
            continue
        if reheard.fits_expected(float(params.get("lost_value_margin", LOST_VALUE_MARGIN))):
            return True
        return _wrong(ctx, q, a, fact, None, params, reheard, lost=(*slot, utt.words[unit]))
    return None


def _unit_word(utt: Utterance, text: NormText, unit: str) -> int | None:
    """The first word of the line that names the unit, by its lemma or within one letter of a long
    form of it; None where there is none."""
    keys = _LOST_UNIT_KEYS[unit]
    by_lemma = next((t.word_start for t in text.tokens if t.key in keys), None)
    forms = _LOST_UNIT_FORMS.get(unit, ())
    near = next((i for i, w in enumerate(utt.words)
                 if any(Levenshtein.distance(w.text.strip(" ,.?!").lower(), f) <= 1 for f in forms)), None)
    found = [i for i in (by_lemma, near) if i is not None]
    return min(found) if found else None


def _part_of_the_day(utt: Utterance, unit: int) -> bool:
    """«с утра», «до вечера»: the unit word right after a preposition names a part of the day,
    with no hour lost before it."""
    return unit > 0 and utt.words[unit - 1].text.strip(" ,.?!").lower() in _PART_OF_THE_DAY_PREPOSITIONS


def _sentence_of(utt: Utterance, word: int) -> tuple[float, float]:
    """The start and end of the sentence of the line that holds the word."""
    ends = [i for i, w in enumerate(utt.words) if w.text.rstrip().endswith((".", "?", "!"))]
    first = max((i + 1 for i in ends if i < word), default=0)
    last = min((i for i in ends if i >= word), default=len(utt.words) - 1)
    return utt.words[first].start, utt.words[last].end


def _said_in_a_stage(ctx: CallContext, start: float, end: float) -> bool:
    """The sentence is a stage's: «хорошего вечера» says goodbye, «давайте встретимся в четверг к
    шести вечера» proposes a meeting; neither states a value of the fact asked."""
    return any(h.present and h.evidence is not None and h.evidence.start <= end and start <= h.evidence.end
               for h in stage_hits(ctx))


def _heard_on(ctx: CallContext, utt: Utterance) -> int:
    """The audio channel the line was heard on; -1, the mix, for a diarized call, whose voices are
    numbered, not its channels."""
    return utt.channel if ctx.transcript.speaker_source == "channels" else -1


def _heads(value: float, expected: float) -> list[float]:
    """The value and its heads («2550», «2500», «2000»), but the right one: Whisper adds a word to a
    number more often than it changes its first («две тысячи пятьсот» written «2550»), and a wrong
    value stays wrong with its tail lost."""
    heads = [value] + [value - value % step for step in (10, 100, 1000) if value % step and value - value % step]
    return [v for v in dict.fromkeys(heads) if v != expected]


def _verdict(ctx: CallContext, a: int, fact: Fact) -> StatedValue | None:
    """None: the line states no value of the fact; _AGREES; or the contradicting value."""
    text = ctx.texts[a]
    if fact.unit == "text":
        wrong = text_contradiction(fact, text)
        return wrong or (_AGREES if text_fact_mentioned(fact, text) else None)
    expected = expected_value(fact)
    values = [v for v in stated_values(text, fact.unit)
              if _plausible(v.value, expected) and not _lost_or_gained_its_lead(ctx, a, v, expected)]
    if fact.unit == "time":
        # «с девяти до восьми… приедете в понедельник к десяти»: one hour is the fact's
        values = times_at(text, values, fact, ctx.standard.knowledge_base)
    if not values:
        return None
    return _AGREES if any(v.agrees_with(expected) for v in values) else values[0]


def _plausible(stated: float | str, expected: float | str) -> bool:
    """A seller who is wrong says 4000 for 2500; «105 200» for 5200 is a recognition garble."""
    if isinstance(stated, str) or isinstance(expected, str) or not stated or not expected:
        return True
    return 1 / PLAUSIBLE_RATIO < float(stated) / float(expected) < PLAUSIBLE_RATIO


def _lost_or_gained_its_lead(ctx: CallContext, a: int, stated: StatedValue, expected: float | str) -> bool:
    """«задуирцы на петече 400» for «за туи цена тысяча четыреста», «1250» for «у нас двести
    пятьдесят»: the digits of one are the end of the other's, and recognition was unsure of the
    number or of the word before it. Whisper lost or made up the number's first word; a seller who
    is wrong says another sum («2500» for 1500), not the right one's tail."""
    if isinstance(stated.value, str) or isinstance(expected, str) or not stated.value or not expected:
        return False
    said, right = str(int(stated.value)), str(int(expected))
    if said == right or not (said.endswith(right) or right.endswith(said)):
        return False
    text, words = ctx.texts[a], ctx.transcript.utterances[a].words
    first = text.tokens[stated.token_start].word_start
    last = text.tokens[stated.token_end - 1].word_end
    return any(w.probability < UNSURE_PROBABILITY for w in words[max(0, first - 1):last])


def _replies(ctx: CallContext, q: int, turns: int) -> list[int]:
    """The seller's lines that may answer question q: the first real reply,
    and later lines only when they name the fact («…в пятницу в десять» after a
    garbled reply about opening hours is an invitation, not an answer)."""
    out: list[int] = []
    replied = False  # hold lines («секундочку… да, 2500») come before the reply and may hold it
    for a in answer_window(ctx, q, turns):
        if not replied or _named_fact(ctx, a) is not None:
            out.append(a)
        replied = replied or not delays_the_reply(ctx, a)
    return out


def _named_fact(ctx: CallContext, index: int) -> Fact | None:
    """The fact a line names by itself: every keyword said («доставка… Подольск»), or one
    keyword beside a value only that fact can have («на большие объёмы делаем три процента»)."""
    text, kb = ctx.texts[index], ctx.standard.knowledge_base
    fact = fact_of_line(ctx, index)
    if fact is None:
        return None
    if fact_keywords_found(fact, text) >= min(2, len(fact.keywords)) or _value_of_its_own(fact, text, kb):
        return fact
    return None


def _value_of_its_own(fact: Fact, text: NormText, kb: list[Fact]) -> bool:
    """A value in a unit no other fact uses."""
    if fact.unit == "text" or any(f.unit == fact.unit for f in kb if f is not fact):
        return False
    return states_its_value(text, fact, kb)


def _wrong(ctx: CallContext, q: int | None, a: int, fact: Fact, stated: StatedValue | None,
           params: Mapping[str, Any], reheard: Reheard | None = None, lost: Sequence[Word] = ()) -> Finding:
    """The finding for a value stated wrong, or (`stated` None) for the words `lost` where Whisper
    lost a value the audio does not fit as the knowledge base's."""
    text: NormText = ctx.texts[a]
    u = ctx.transcript.utterances[a]
    words = tuple(lost) if stated is None else \
        u.words[text.tokens[stated.token_start].word_start: text.tokens[stated.token_end - 1].word_end]
    expected = expected_value(fact)
    question = ctx.transcript.utterances[q] if q is not None else None
    if stated is None:
        shown = " ".join(w.text.strip() for w in words)
    elif stated.up_to is None:
        shown = _show(stated.value, fact.unit)
    else:
        shown = f"{_show(stated.value, '')}–{_show(stated.up_to - 1, fact.unit)}"
    return finding_at(
        "wrong_answer", params.get("severity", "major"), ctx, a,
        evidence=(f"«{question.text}» → " if question else "") + f"«{u.text}»",
        reference=f"{fact.id}: {fact.topic} = {_show(expected, fact.unit)}",
        check="wrong_answer",
        details={"fact": fact.id, "expected": _show(expected, fact.unit), "stated": shown,
                 "question_start": question.start if question else None,
                 # how sure Whisper was of the value's words: a number heard at 0.3 may be misheard
                 # («9500» for «две тысячи пятьсот»), and the QA lead weighs the finding by it
                 "heard": round(min(w.probability for w in words), 2) if words else None,
                 # the line's log-likelihood with the value as written and with the right one
                 "reheard": {key: round(value, 2) for key, value in asdict(reheard).items()} if reheard else None,
                 # Whisper wrote no value («пять петеч рублей»): `stated` is its words, the audio
                 # heard again fits them better than the knowledge base's value
                 **({"value_lost": True} if stated is None else {})},
        start=words[0].start if words else None, end=words[-1].end if words else None,
    )


def _show(value: float | str, unit: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    suffix = {"rub": " руб.", "years": " лет", "percent": "%", "days": " дн.", "hours": " ч"}.get(unit, "")
    return f"{value}{suffix}"


@register("evasive_answer", "18", requires=("knowledge_base",), needs_roles=True)
def evasive_answer_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    phrases = list(params.get("phrases", DEFAULT_EVASIVE))
    turns = int(params.get("answer_turns", 2))
    cutoff = ctx.standard.thresholds.match_cutoff
    findings: list[Finding] = []
    judged: set[int] = set()  # one evasive line answers one topic, however often it was raised
    # a client line that names a known topic asks about it, «?» or not («а скидка на опт есть»)
    for q, u in enumerate(ctx.transcript.utterances):
        fact = question_fact(ctx, q) if u.speaker == "client" else None
        if fact is None:
            continue
        window = answer_window(ctx, q, turns)
        for k, a in enumerate(window):
            if stated_values(ctx.texts[a], fact.unit):
                break
            if _asked_again_before(ctx, q, a):
                break  # the evasion answers the client's later question, judged (and quoted) with it
            found = evasion(ctx, a, phrases, cutoff) if a not in judged and not _transfers(ctx, a, cutoff) else None
            if found and not any(_gives_the_fact(ctx, later, fact) for later in window[k + 1:]):
                judged.add(a)
                ev = evidence_for(ctx.transcript.utterances[a], ctx.texts[a], found)
                findings.append(finding_at(
                    "evasive_answer", params.get("severity", "major"), ctx, a,
                    evidence=f"«{ctx.transcript.utterances[q].text}» → «{ev.quote}»",
                    reference=f"{fact.id}: the knowledge base answers it: {_show(expected_value(fact), fact.unit)}",
                    check="evasive_answer", details={"fact": fact.id, "phrase": found.reference},
                    start=ev.start, end=ev.end,
                ))
                break
    return CheckResult(findings=tuple(findings))


def _asked_again_before(ctx: CallContext, q: int, a: int) -> bool:
    """A client line between question `q` and the seller's line `a` asks about a fact of its own
    («Думаю, 16 кубов» — «Какой бюджет?» — «150 тысяч, если брать большой объем, скидка будет?» —
    «Это не ко мне»)."""
    return any(ctx.transcript.utterances[j].speaker == "client" and question_fact(ctx, j) is not None
               for j in range(q + 1, a))


def _gives_the_fact(ctx: CallContext, a: int, fact: Fact) -> bool:
    """The seller's line states the fact after all: «прошу прощения, коллега подошёл» — «срок
    четырнадцать дней» is an interruption, not an evasion, however near in meaning the first line
    is to one («затрудняюсь ответить»). A wrong value is wrong_answer's to judge."""
    return _verdict(ctx, a, fact) is not None


def _transfers(ctx: CallContext, a: int, cutoff: float) -> bool:
    """«Это лучше к Геннадию, он по установке всё знает, соединяю»: the seller hands the question
    on, which is near «это не ко мне» in meaning and no evasion; poor_dispatching judges how well."""
    phrases = ctx.standard.check_params("poor_dispatching").get("transfer_phrases", DISPATCH_DEFAULTS["transfer_phrases"])
    return best_match(list(phrases), ctx.texts[a], cutoff) is not None


def evasion(ctx: CallContext, a: int, phrases: list[str], cutoff: float) -> PhraseMatch | None:
    """An evasive phrase, or a line near one in meaning («без понятия, это к начальству»), or one
    where the seller denies knowing (`_denies_knowing`). A goodbye closes the call, and only its words
    can make it evasive: «До свидания, обращайтесь.» is near «перезвоните позже» in meaning."""
    text = ctx.texts[a]
    if bids_goodbye(ctx.transcript.utterances[a].text):
        return best_match(phrases, text, cutoff) or _denies_knowing(text)
    return words_or_meaning("evasive", phrases, text, ctx.meaning, a, cutoff) or _denies_knowing(text)


def _denies_knowing(text: NormText) -> PhraseMatch | None:
    """«Я в таких вещах не разбираюсь», «сложно сказать», «не могу знать»: a verb of knowing or telling
    said by the seller with «не», or after «сложно», «трудно», in any words around it; a closed class
    of Russian, not a company's wording."""
    toks = text.tokens
    for i, tok in enumerate(toks):
        if tok.lemma not in _KNOWING_VERBS:
            continue
        before = [t.text for t in toks[max(0, i - 2):i]]
        denied = "не" in before and (first_person_singular_verb(tok.text) or "могу" in before or tok.lemma == "сказать")
        if denied or set(before) & _HARD_TO:
            return PhraseMatch(100.0, max(0, i - 2), i + 1, "the seller denies knowing")
    return None


def names_a_keyword_word(fact: Fact, answer: NormText) -> bool:
    """A word of any of the fact's keywords: «в рабочие … трудимся» is on the topic of «рабочие дни»
    though recognition lost «дни»."""
    return any(keyword_found(lemma, answer) for keyword in fact.keywords for lemma, key in reference_lemmas(keyword)
               if len(lemma) >= 4 and key not in STOP_KEYS)
