"""Ignored questions (article, example 6): a client question that gets no on-topic answer.

The seller's first reply may take a question up by its form («конечно…», «не знаю», a transfer)
or by weak signs that survive recognition (one word of a keyword, the unit whose number was lost);
once the seller has moved on, a later line must be on the question's topic.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from checks.rules.answers import (
    DEFAULT_EVASIVE,
    evasion,
    STOP_KEYS,
    answers_wrongly,
    client_questions,
    fact_of_a_word_and_value,
    finding_at,
    first_client_line,
    names_a_keyword_word,
    question_fact,
    replies_to_the_seller,
    seller_question_before,
    seller_line_asks,
    states_its_value,
    text_fact_in_reply,
)
from checks.dialogue.questions import (
    QUESTION_WORDS,
    UNIT_KEYS,
    answer_window,
    asked_units,
    asks_amount,
    asks_by_word,
    candidate_facts,
    fact_for_exchange,
    fact_keywords_found,
    hails_attention,
    heard_unsure,
    misheard_question_word,
    only_asks,
    opens_a_question,
    sentence_words,
    stated_values,
    states_a_request,
    sure_text,
    text_contradiction,
    text_fact_mentioned,
)
from checks.dialogue.holds import delays_the_reply
from checks.dialogue.stages import is_record_question, says_goodbye, stage_hits
from checks.meaning.calls import nearness
from checks.registry import CallContext, CheckResult, register
from checks.rules.dispatching import DEFAULTS, says_colleague_absent
from checks.rules.talk import role_regions
from checks.text.matching import best_match, reference_lemmas
from checks.text.numbers import find_numbers
from checks.standard import Fact
from checks.text.normalise import (
    GRAMMAR_POS,
    NormText,
    Token,
    is_first_name,
    is_known_word,
    match_key,
    names_a_person,
    normalise_text,
    part_of_speech,
)
from pipeline.records import Finding

_HE_SHE = frozenset("он она его ее ему ей него нее".split())
# the words that may stand between a preposition and its noun («на старую технику»)
_NOUN_MODIFIERS = frozenset(("ADJF", "PRTF", "NUMR", "NPRO"))

# unit words that say a value of that kind was stated, even when recognition lost its number
_UNIT_WORDS: dict[str, frozenset[str]] = {
    unit: frozenset(k for k in keys if len(k) >= 3) for unit, keys in
    {**UNIT_KEYS, "time": UNIT_KEYS["hours"] | {match_key("утра"), match_key("вечера")}}.items()}
_VERB_ENDINGS = ("ть", "ти", "чь")  # of a verb's lemma, the infinitive («-ться» ends in «-ть» too)
_ALL_UNIT_WORDS = frozenset().union(*_UNIT_WORDS.values())

# the words of a question asked by intonation alone
_YES_NO_KEYS = frozenset(match_key(w) for w in "можно получится получиться нельзя будет есть".split())
_CAN, _HOW = match_key("можно"), match_key("как")

# this much of the seller's voice after a question with no words written for it is an unheard reply
UNHEARD_REPLY_S = 1.0
# how a reply to a question opens: these answer any question («Конечно, со склада отгрузим»)...
ANSWER_OPENERS = ("конечно", "разумеется", "без проблем", "к сожалению")
# ...and these only a yes/no one: «да» also opens a change of subject («Да, а какой объём?»)
YES_NO_OPENERS = ("да", "нет", "можно", "нельзя", "есть", "нету", "не получится", "получится")


@register("ignored_question", "22", needs_roles=True)
def ignored_question_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    turns = int(params.get("answer_turns", 2))
    min_words = int(params.get("min_words", 3))
    evasive = list(ctx.standard.check_params("evasive_answer").get("phrases", DEFAULT_EVASIVE))
    findings: list[Finding] = []
    for q in client_questions(ctx):
        if len(ctx.texts[q].tokens) < min_words or not _content_keys(ctx.texts[q]) or _attention_check(ctx, q):
            continue  # «да?», «алло?», «а у вас…» ask for attention, not for an answer
        fact = question_fact(ctx, q)
        window = [a for a in answer_window(ctx, q, turns) if not _replies_to_a_later_line(ctx, q, a, fact)]
        if (_opening_request(ctx, q) or _answers_the_seller(ctx, q) or _answered(ctx, q, window, fact, evasive)
                or _reply_not_heard(ctx, q) or (fact is None and _after_the_farewell(ctx, q))):
            continue
        reply = ctx.transcript.utterances[window[0]].text if window else "(no reply)"
        findings.append(finding_at(
            "ignored_question", params.get("severity", "major"), ctx, q,
            evidence=f"«{ctx.transcript.utterances[q].text}» → «{reply}»",
            reference=f"an on-topic answer within {turns} seller turns"
            + (f" (knowledge base: {fact.id})" if fact else ""),
            check="ignored_question", details={"fact": fact.id if fact else None},
        ))
    return CheckResult(findings=tuple(findings))


def _after_the_farewell(ctx: CallContext, q: int) -> bool:
    """The call's last line, after the seller's farewell or saying goodbye itself: the client's
    closing words («и вам хорошего дня», «спасибо, до свидания»), whatever recognition made of the
    rest («И вам дофлюта, а не ли?», «До свидания. А тогда?»). A question of a known fact there is
    still judged: the seller hung up on it."""
    utterances = ctx.transcript.utterances
    if any(u.speaker != "unknown" for u in utterances[q + 1:]):
        return False
    if says_goodbye(utterances[q].text):
        return True
    if len(ctx.texts[q].tokens) > _CLOSING_WORDS:
        return False  # a question of its own after the farewell is still one
    farewell = next((h for h in stage_hits(ctx) if h.stage_id == "farewell" and h.present and h.evidence), None)
    return farewell is not None and farewell.evidence.start < utterances[q].start


def _replies_to_a_later_line(ctx: CallContext, q: int, a: int, fact: Fact | None) -> bool:
    """The client said something more of their own between question `q` and the seller's line `a`
    («а Виктор сегодня работает?»): the line replies to that, and takes `q` up only with its fact's
    value («нет, сегодня этот сотрудник не работает» does not tell the opening hours asked before).
    A client's answer to the seller's own question («вы у нас покупали?» — «нет, первый раз») is no
    new matter, nor a hail during a hold («ало, вы ещё здесь?»): the seller may come back to `q`
    after it."""
    said_more = any(ctx.transcript.utterances[j].speaker == "client" and _content_keys(ctx.texts[j])
                    and seller_question_before(ctx, j) is None and not _attention_check(ctx, j)
                    for j in range(q + 1, a))
    kb = ctx.standard.knowledge_base
    return said_more and not (fact is not None and _answers_with_a_value(ctx.texts[a], fact, kb, False))


def _reply_not_heard(ctx: CallContext, q: int) -> bool:
    """The seller spoke after the question, but recognition wrote (almost) nothing for it: with
    no words there is no evidence the question was ignored. Measured on the seller's channel,
    up to the client's next line other than a hail («алло, вы тут?» after a silence: the reply
    may come after it)."""
    tr, utterances = ctx.transcript, ctx.transcript.utterances
    if "seller" not in tr.channel_roles or len(tr.speech_regions) != len(tr.channel_roles):
        return False
    start = utterances[q].end
    end = next((u.start for j, u in enumerate(utterances[q + 1:], q + 1)
                if u.speaker == "client" and u.start > start and not _attention_check(ctx, j)), tr.duration_s)
    heard = [(u.start, u.end) for u in utterances if u.speaker == "seller"]
    voice = [(max(a, start), min(b, end)) for a, b in tr.speech_regions[tr.channel_roles.index("seller")]
             if b > start and a < end]
    unheard = sum(b - a - sum(max(0.0, min(b, y) - max(a, x)) for x, y in heard) for a, b in voice)
    return unheard >= UNHEARD_REPLY_S


def _content_keys(text: NormText) -> set[str]:
    """Words that say what a line is about; a unit word («часа в три», «до которого часа») does not,
    nor a word of grammar: «под заказ сколько ждать?» and «подобрать под любую дорогу» share no topic."""
    return {t.key for t in text.tokens if t.key not in STOP_KEYS and t.key not in _ALL_UNIT_WORDS
            and not t.key[:1].isdigit() and len(t.key) > 2 and not _function_word(t.text)}


def _function_word(word: str) -> bool:
    """A preposition, conjunction, particle, pronoun or interjection in the word's likeliest reading."""
    return part_of_speech(word) in GRAMMAR_POS


def _same_verb_under_a_prefix(question: NormText, answer: NormText) -> bool:
    """«Документы вы даёте?» — «на каждую партию выдаём паспорт»."""
    asked, said = _verbs(question), _verbs(answer)
    return any(_prefixed(a, b) or _prefixed(b, a) for a in asked for b in said)


def _prefixed(verb: str, base: str) -> bool:
    """«выдавать» is «давать» under a prefix."""
    return len(base) >= 5 and len(verb) > len(base) and verb.endswith(base)


def _verbs(text: NormText) -> set[str]:
    return {t.lemma.removesuffix("ся") for t in text.tokens
            if t.lemma.endswith(_VERB_ENDINGS) and t.key not in STOP_KEYS}


def _answers(ctx: CallContext, q: int, a: int, fact: Fact | None, evasive: list[str], first_reply: bool) -> bool:
    """Whether line `a` responds to question `q`; an evasive reply is judged by its own check.

    Once the seller has moved on («а вы о нас откуда узнали?»), a later line must be on the
    question's topic; the first reply may also answer by its form or by weaker signs."""
    question, answer = ctx.texts[q], ctx.texts[a]
    kb = ctx.standard.knowledge_base
    together = fact_for_exchange(question, answer, kb)
    facts = [fact] if fact else candidate_facts(question, kb) + ([together] if together else [])
    if not first_reply and seller_line_asks(ctx, a):
        # «может, заглянете к нам в офис в субботу?» names the office asked about and tells nothing
        # of where it is: a later line that asks the client answers only with a value
        return (any(_answers_with_a_value(answer, f, kb, False) for f in facts)
                or text_fact_in_reply(answer, kb) is not None)
    # once the seller has moved on, a question of a known fact is answered by the fact (its value,
    # its keyword), not by a word the two lines share: a story about «первый инструмент» tells
    # nothing of the warranty asked about as «гарантия на инструмент какая»
    topic = _content_keys(question) if first_reply else set() if fact is not None else _head_keys(question)
    # a reply that only asks back («а как вас зовут?», «какой номер?») has moved on at once: its stray
    # words take nothing up («давайте» under «выдаёте»), nor a word spelt near a keyword («подскажите»
    # near «заказать»), and two questions are near each other in meaning whatever they ask
    # («монтаж зимой делаете?» — «сколько у вас окон?»)
    asks_back = first_reply and _only_asks(ctx, a)
    if asks_back and is_record_question(ctx, a):
        # «вы у нас раньше покупали?» after «скидка новым какая?»: a question for the client's record
        # takes nothing up, whatever word it shares with the question («покупать»)
        return _replies_by_form(ctx, question, a, evasive)
    if _on_topic(topic, answer, facts, kb, first_reply, _says_a_keyword if asks_back else fact_keywords_found):
        return True
    if not first_reply:
        return False
    if _linked_by_unsure_words(ctx, q) and fact_of_a_word_and_value(answer, kb) is not None:
        # the seller heard what Whisper garbled: a first reply telling another fact's value answers a
        # question linked by a misheard word («обенсивание» near «обслуживание» — «по пенсионному 15 %»)
        return True
    if asks_back:
        return _replies_by_form(ctx, question, a, evasive)
    return (answers_wrongly(ctx, q, a) or _near_in_meaning(ctx, q, a)
            or _first_reply_answers(ctx, q, a, facts, evasive))


def _linked_by_unsure_words(ctx: CallContext, q: int) -> bool:
    """The question names a fact only by words Whisper was unsure of: its sure words name none."""
    utt = ctx.transcript.utterances[q]
    return (heard_unsure(utt) and bool(candidate_facts(ctx.texts[q], ctx.standard.knowledge_base))
            and not candidate_facts(sure_text(utt, ctx.texts[q]), ctx.standard.knowledge_base))


def _near_in_meaning(ctx: CallContext, q: int, a: int) -> bool:
    """A first reply close in meaning to the question answers it in other words («сетку на зиму
    снять можно?» — «она снимается без инструмента»). Not a later line, once the seller has moved
    on: «в четверг к десяти заедете?» is near a question about opening hours and does not answer it."""
    found = nearness(ctx.meaning, q, a)
    return found is not None and found.close


def _on_topic(topic: set[str], answer: NormText, facts: list[Fact], kb: list[Fact], first_reply: bool,
              names_it: Callable[[Fact, NormText], object]) -> bool:
    if any(_answers_with_a_value(answer, f, kb, first_reply) or names_it(f, answer) for f in facts):
        return True
    # an address or another text value of the knowledge base answers «куда к вам подъехать?»
    return bool(text_fact_in_reply(answer, kb) or topic & _content_keys(answer))


def _only_asks(ctx: CallContext, a: int) -> bool:
    """The line asks and tells nothing; asked by its words alone when recognition lost every «?»; a
    number in it tells something, «?» or not («А вас составлять 50 % от суммы заказа, сколько вам
    нужно…», «…открыт до 8 вечера, бюджет у вас какой» answer, then ask)."""
    utt = ctx.transcript.utterances[a]
    # a sum, a time, a share, or «тысячи» with its number lost («привезем за полтавы тысячи рублей, что
    # вы строите?», run into one sentence by recognition): told before it asks
    says_a_number = bool(find_numbers([t.text for t in ctx.texts[a].tokens])) or any(
        t.text.startswith("~") for t in ctx.texts[a].tokens)
    if "?" in utt.text:
        return only_asks(utt.text) and not says_a_number
    # «Кстати, как вам обращаться.»: a seller's «как» asks, though «как» is no question word in general
    return seller_line_asks(ctx, a) and not says_a_number


def _says_a_keyword(fact: Fact, answer: NormText) -> bool:
    """A keyword of the fact said as itself, each of its words by lemma or key: «доставку вам куда?»
    names delivery, «заказывали» is only spelt near «закрываетесь»."""
    return any(all(any(t.lemma == lemma or t.key == key for t in answer.tokens) for lemma, key in reference_lemmas(k))
               for k in fact.keywords)


def _head_keys(question: NormText) -> set[str]:
    """The question's words outside its prepositional phrases: «документы на материал даёте?» asks
    about documents, and «на материал» says of what; a later «такой материал проверен временем»
    speaks of the goods, not of the documents. A question whose every word is in such a phrase
    keeps them all («а по субботам?»)."""
    toks, governed, inside = question.tokens, set(), False
    for i, t in enumerate(toks):
        pos = part_of_speech(t.text)
        if pos == "PREP":
            inside = True
        elif inside:
            governed.add(i)
            # «на старую технику»: the phrase runs through its adjectives to its noun
            inside = pos in _NOUN_MODIFIERS
    asked = _content_keys(question)
    heads = {t.key for i, t in enumerate(toks) if i not in governed} & asked
    return heads or asked


def _answers_with_a_value(answer: NormText, fact: Fact, kb: list[Fact], first_reply: bool) -> bool:
    """A value of the fact's unit; once the seller has moved on, «в четверг часа в три заедете?»
    proposes a meeting, it does not tell the opening hours."""
    if fact.unit == "text":  # «мы на проспекте Мира, дом пять» answers «какой адрес?», wrongly (wrong_answer)
        return text_fact_mentioned(fact, answer) or text_contradiction(fact, answer) is not None
    return bool(stated_values(answer, fact.unit)) if first_reply else states_its_value(answer, fact, kb)


def _first_reply_answers(ctx: CallContext, q: int, a: int, facts: list[Fact], evasive: list[str]) -> bool:
    """Signs too weak for a later line: a number for «сколько?»; one word of a keyword («в рабочие
    … трудимся» for «рабочие дни»); a word of the fact's unit («…вечера» for the closing time); a
    word of the address asked for; the question's verb under a prefix («даёте?» — «выдаём»); or the
    reply's form («конечно…», «не знаю», «соединяю»). What
    recognition garbled in one call or another (a sum with its first word lost, «с кинембеть
    процентов», a question that lost its topic) is left to the reply's meaning (`_near_in_meaning`)."""
    question, answer = ctx.texts[q], ctx.texts[a]
    said_units = _units_named(answer)
    return (any(names_a_keyword_word(f, answer) or _names_a_value_word(f, answer) for f in facts)
            # the fact's unit with its number lost («открыты мы, древите вечера» for the closing time)
            or any(f.unit in _units_of_a_value(answer) for f in facts)
            # a number answers «сколько?» about something the knowledge base does not know; for a
            # known fact only a value of its unit does («в четыре часа» is no price)
            or (not facts and asks_amount(question) and any(t.text[:1].isdigit() or t.text[:1] == "~" for t in answer.tokens))
            # a value with its unit told at once answers a question that names no fact, whatever it
            # asks in words recognition garbled («как долгом антаж будет идти» — «монтируем за три дня»)
            or (not facts and bool(said_units))
            # a value in the unit the question names or asks for, whatever fact it was linked to: «до
            # которого часа… в салоне?» (the address's keyword) — «мы открыты до восьми вечера»;
            # «…у вас почем?» — «разработка макета 2500 рублей»
            or any(unit in said_units or stated_values(answer, unit)
                   for unit in _units_named(question) | asked_units(question))
            # a question the recogniser garbled beyond any fact («а подбуднем доскарки»), and a reply
            # that tells a fact by its word and value («мы открыты по будням до восьми вечера»)
            or (not facts and heard_unsure(ctx.transcript.utterances[q])
                and (fact_of_a_word_and_value(answer, ctx.standard.knowledge_base) is not None
                     # or a value in its unit («за дуирцы на 10400 рублей» after «какая ацена насаженницей»):
                     # a sum or a term told at once answers what was asked, whatever that was
                     or bool(said_units)))
            or _same_verb_under_a_prefix(question, answer)
            or _speaks_of_the_person_asked_for(question, answer)
            or _replies_by_form(ctx, question, a, evasive))


def _speaks_of_the_person_asked_for(question: NormText, answer: NormText) -> bool:
    """«А Зинаида сегодня работает?», «можно с главным инженером поговорить?» — «этот сотрудник сейчас
    на объекте»: a question that names someone, by name or by a noun for a person, is taken up by a
    reply about a person (a noun for a person, «он», «она», a name); whether the seller then offered a
    call-back is poor_dispatching's to judge."""
    def person(t: Token) -> bool:
        return is_first_name(t.text) or names_a_person(t.text)

    return (any(person(t) for t in question.tokens if t.text.isalpha())
            and any(t.text in _HE_SHE or person(t) for t in answer.tokens if t.text.isalpha()))


def _names_a_value_word(fact: Fact, answer: NormText) -> bool:
    """«…на улице в срайчере, напротив заправки» answers «по какому адресу?»: a word of the
    address came through."""
    return fact.unit == "text" and bool(_value_keys(str(fact.value)) & answer.key_set)


@lru_cache(maxsize=64)
def _value_keys(value: str) -> frozenset[str]:
    return frozenset(t.key for t in normalise_text(value).tokens
                     if t.text.isalpha() and len(t.text) >= 4 and t.key not in STOP_KEYS)


def _units_of_a_value(text: NormText) -> set[str]:
    """The units a line names as a value's: not «добрый день», «хорошего вечера» nor «через час»."""
    toks = text.tokens
    return _units_of({t.key for k, t in enumerate(toks) if not (k > 0 and toks[k - 1].lemma in _NOT_A_VALUE)})


# the client's closing words after the seller's farewell are this short («и вам хорошего дня»)
_CLOSING_WORDS = 6
# words before a unit word that make it a greeting, a wish or a call-back's delay
_NOT_A_VALUE = frozenset("добрый хороший удачный приятный отличный через".split())


def _units_named(text: NormText) -> set[str]:
    return _units_of(text.key_set)


def _units_of(keys: set[str] | frozenset[str]) -> set[str]:
    return {unit for unit, words in _UNIT_WORDS.items() if keys & words}


def _replies_by_form(ctx: CallContext, question: NormText, a: int, evasive: list[str]) -> bool:
    cutoff = ctx.standard.thresholds.match_cutoff
    answer = ctx.texts[a]
    # «этим занимается Денис, переключаю на него», «коллега в отпуске»: dispatched, and
    # poor_dispatching judges how well; «сложно сказать, не ведаю»: evasive_answer judges it
    if (evasion(ctx, a, evasive, cutoff)
            or best_match(_dispatch_phrases(ctx), answer, cutoff) or says_colleague_absent(ctx, a)):
        return True
    openers = ANSWER_OPENERS + (YES_NO_OPENERS if _yes_no_question(question) else ())
    return any(f"{answer.surface} ".startswith(f"{o} ") for o in openers)


def _answered(ctx: CallContext, q: int, window: list[int], fact: Fact | None, evasive: list[str]) -> bool:
    replied = held = False  # hold lines («секундочку…») come before the first reply
    for a in window:
        first_reply = not replied
        if _answers(ctx, q, a, fact, evasive, first_reply):
            return True
        if first_reply and held and not _content_keys(ctx.texts[a]):
            return True  # the seller went to look it up, and what came back was not heard («и,»)
        is_hold = delays_the_reply(ctx, a)
        held, replied = held or is_hold, replied or not is_hold
    return False


def _dispatch_phrases(ctx: CallContext) -> list[str]:
    params = ctx.standard.check_params("poor_dispatching")
    return [p for key in ("transfer_phrases", "explain_phrases") for p in params.get(key, DEFAULTS[key])]


def _answers_the_seller(ctx: CallContext, q: int) -> bool:
    """«Знакомые посоветовали?» right after «откуда вы о нас узнали?»: Whisper hears the rising tone
    of an answer as a «?». Only a line with nothing else that asks (no question word, no topic of
    the knowledge base) is taken for that answer."""
    utterances, text = ctx.transcript.utterances, ctx.texts[q]
    if not replies_to_the_seller(ctx, q):
        return False
    if _asks_yes_or_no(text):
        return False  # «оплатить картой получится?» asks by intonation alone
    # a question word the recogniser was unsure of may be another word misheard («где-то»)
    sure = sure_text(utterances[q], text)
    return not (asks_by_word(sure) or misheard_question_word(text) or asks_amount(text) or opens_a_question(text)
                or candidate_facts(text, ctx.standard.knowledge_base))


def _asks_yes_or_no(text: NormText) -> bool:
    """A modal word that asks by intonation; «как можно скорее» answers a question about time."""
    keys = text.keys.split()
    return any(k in _YES_NO_KEYS and not (k == _CAN and i > 0 and keys[i - 1] == _HOW) for i, k in enumerate(keys))


def _attention_check(ctx: CallContext, q: int) -> bool:
    """«Алло, вы тут?» after a silence: the phone line, not a topic, is asked about."""
    text = ctx.texts[q]
    return ((hails_attention(text)
             or (_after_dead_air(ctx, q) and not asks_amount(text) and question_fact(ctx, q) is None))
            and not candidate_facts(text, ctx.standard.knowledge_base))


def _after_dead_air(ctx: CallContext, q: int) -> bool:
    """The line breaks a silence as long as dead air (multitasking_pause's `dead_air_s`): a client
    who has waited that long asks whether the seller is still there («вы ещё на линии?»), in
    whatever words, unless the line names something to be told."""
    utterances = ctx.transcript.utterances
    if q == 0:
        return False
    dead_air = float(ctx.standard.check_params("multitasking_pause").get("dead_air_s", 10.0))
    start = utterances[q].start
    # the seller's voice, heard even where recognition wrote no word for it, breaks the silence too
    voiced = [min(end, start) for begin, end in role_regions(ctx.transcript, "seller") if begin < start]
    return start - max([u.end for u in utterances[:q]] + voiced) >= dead_air


def _opening_request(ctx: CallContext, q: int) -> bool:
    """The client's first words state what they called about («интересует кирпич, подскажете?»):
    whatever the seller says next takes the call up, and the stage checks judge how well. A
    first line that asks something specific («сколько…», «где…», «часы работы в будни») is
    judged as any other."""
    utterances, text = ctx.transcript.utterances, ctx.texts[q]
    if q != first_client_line(ctx) or not states_a_request(text):
        return False
    # a sentence saying what the client needs names its topic without asking about it: «нужно
    # остекление балкона, хочу узнать подробнее» asks for the call; «такие у вас часы работы в будни»
    # (a «какие» misheard) beside it asks about the hours, and so does «подскажите ваш адрес», which
    # recognition ran on from the request
    asks_beside = any(
        not states_a_request(sentence)
        and (opens_a_question(sentence) or any(fact_keywords_found(f, sentence) >= 2 for f in ctx.standard.knowledge_base))
        for sentence in (normalise_text(" ".join(words)) for words in sentence_words(utterances[q].text)))
    # a question word the recogniser was unsure of may be another word misheard («подобрать где яла»
    # for «подобрать одеяло»), as in `_answers_the_seller`
    sure = sure_text(utterances[q], text)
    return not (_asks_directly(sure) or asks_amount(text) or asks_beside or misheard_question_word(text))


def _asks_directly(text: NormText) -> bool:
    """A question word that asks, not one that opens a clause of what the client seeks: «ищу, где
    напечатать баннер», «не знаю, куда обратиться» (after a verb of seeking or knowing, before an
    infinitive, or after «ищу» before a word recognition garbled: «ищу, где напечаток») say what the
    call is about; «куда ехать, адрес подскажите» and «я вас ищу, где вы находитесь?» ask."""
    toks = text.tokens
    return any(t.key in QUESTION_WORDS
               and not (0 < k < len(toks) - 1 and _opens_what_is_sought(toks[k - 1], toks[k + 1]))
               for k, t in enumerate(toks))


def _opens_what_is_sought(verb: Token, after: Token) -> bool:
    return verb.lemma in _SEEKING and (part_of_speech(after.text) == "INFN"
                                       or (verb.lemma == "искать" and not is_known_word(after.text)))


_SEEKING = frozenset(("искать", "знать", "думать", "выбирать", "решать", "подбирать"))


def _yes_no_question(question: NormText) -> bool:
    """No question word: «оплатить картой можно?» is answered by «да» or «нет»."""
    keys = question.key_set
    return not (keys - {match_key("ли")}) & QUESTION_WORDS
