"""Find the script stages of the standard in a call, with evidence.

A stage is present when an utterance of the right speaker in the right part of the
call matches it by its phrases (fuzzy, on lemmas) or by meaning (the phrases are the
stage's examples; `checks.meaning`), whichever is stronger; the first such utterance is
its evidence. A line nearer in meaning to one of the stage's `counter_examples` than
to its phrases is not the stage, whatever words it shares with them. Its required elements (the company
name and the seller's name in a greeting, a concrete time in a meeting
proposal) are then looked for around that utterance; the share found is the
stage's score.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rapidfuzz import fuzz

from checks.dialogue.invitations import books_the_client, invitation_span, proposes, takes_the_time, tells_of_coming
from checks.dialogue.questions import DAY_LEMMAS, asks_without_its_mark, is_question, seller_asks, sentence_words
from checks.text.matching import PhraseMatch, best_match, evidence_for, reference_keys
from checks.meaning.calls import as_phrase_match, asks_for_the_record, counter_example_wins, nearer_to_neutral, stage_index
from checks.meaning.index import clean, sentences
from checks.registry import CallContext
from checks.standard import Element, Stage, Standard
from checks.text.normalise import NormText, is_comparative, is_first_name, is_known_word, morph_parses, normalise_text
from pipeline.records import StageHit, Utterance

# how many of the speaker's utterances count as the start or the end of a call
WINDOW_UTTERANCES = 3
# a question this short («да?», «алло?») asks for attention, not about needs
MIN_QUESTION_WORDS = 3
# a match this much weaker than the stage's best match is not taken as its evidence
CLEAR_MATCH_MARGIN = 10.0
# a phrase matched word for word; a weaker match must not mean something else (`nearer_to_neutral`)
EXACT = 100.0
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_SENTENCES = re.compile(r"[^.?!…]+[.?!…]*")
_WORDS = re.compile(r"[\w-]+")
_HOUR_LEMMAS = frozenset(("час", "утро", "вечер", "день"))
# a line whose words Whisper gave a mean probability under this is unsure (`_unsure`); on the
# shiny_dev calls a quarter of the seller's lines were under 0.72, half under 0.80
UNSURE_PROBABILITY = 0.7
# the dictionary takes «в воскресенье» for «воскресение»: in a call it is the day
_DAYS = DAY_LEMMAS | {"воскресение"}


def candidate_indices(ctx: CallContext, stage: Stage) -> list[int]:
    utterances = ctx.transcript.utterances
    speaker_known = any(u.speaker != "unknown" for u in utterances)
    indices = [
        i for i, u in enumerate(utterances)
        if stage.speaker == "any" or not speaker_known or u.speaker == stage.speaker
    ]
    if stage.window == "start":
        return indices[:WINDOW_UTTERANCES]
    if stage.window == "end":
        return indices[-WINDOW_UTTERANCES:]
    return indices


def _has_time_or_day(text: NormText) -> bool:
    """A clock time, a day, or an hour said by its number next to «час», «утра», «вечера», either
    side («в 5 вечера», «часов в 12»: the number reader makes a time of the first only)."""
    toks = text.tokens
    for i, tok in enumerate(toks):
        if _TIME.match(tok.text) or tok.lemma in _DAYS:
            return True
        if tok.text.isdigit() and int(tok.text) <= 24 and any(
                t.lemma in _HOUR_LEMMAS for t in (*toks[i + 1:i + 2], *toks[max(0, i - 2):i])):
            return True
    return False


def _element_found(element: Element, text: NormText, standard: Standard, cutoff: float) -> bool:
    if element.kind == "phrases":
        return best_match(element.phrases, text, cutoff) is not None
    if element.kind == "company_name":
        names = [standard.company.name, *standard.company.aliases]
        refs = [f"компания {n}" for n in names] + names
        return best_match(refs, text, cutoff, surface=True) is not None
    if element.kind == "person_name":
        sellers = [s.lower() for s in standard.company.sellers]
        return any((is_first_name(t.text) and not _indeclinable(t.text)) or t.text in sellers
                   for t in text.tokens if t.text.isalpha())
    return _has_time_or_day(text)  # time_or_day


def _indeclinable(word: str) -> bool:
    """«Ало» is a rare indeclinable name to pymorphy3 and a phone's «алло» misspelt to Whisper: a
    seller introducing themselves by a name the standard does not list says a declinable one."""
    return all("Fixd" in p.tag for p in morph_parses(word) if "Name" in p.tag)


def _neighbourhood(ctx: CallContext, index: int, speaker: str) -> list[NormText]:
    """The matched utterance and the speaker's next one: a greeting is often split in two."""
    texts = [ctx.texts[index]]
    for j in range(index + 1, len(ctx.transcript.utterances)):
        if ctx.transcript.utterances[j].speaker == speaker:
            texts.append(ctx.texts[j])
            break
    return texts


def _elements(ctx: CallContext, stage: Stage, index: int, cutoff: float) -> dict[str, bool]:
    speaker = ctx.transcript.utterances[index].speaker
    texts = _neighbourhood(ctx, index, speaker)
    return {
        el.id: any(_element_found(el, t, ctx.standard, cutoff) for t in texts)
        for el in stage.elements
    }


def _first_free_question(ctx: CallContext, stage: Stage, cutoff: float) -> tuple[int, PhraseMatch] | None:
    """The speaker's first question that is not another stage's (`_claimed_by_other_stages`: «вам
    удобно?» is not discovery) nor an everyday question of a call (`_everyday_question`)."""
    for i in candidate_indices(ctx, stage):
        utt, text = ctx.transcript.utterances[i], ctx.texts[i]
        asks = is_question(utt, text) or (utt.speaker == "seller" and asks_without_its_mark(text))
        if (len(text.tokens) >= MIN_QUESTION_WORDS and asks and _asks_in_words(utt.text)
                and not _claimed_by_other_stages(ctx, stage, i, cutoff, elements=True)
                and not _everyday_question(ctx, stage, i)):
            return i, PhraseMatch(cutoff, 0, len(text.tokens), "a question by the seller")
    return None


def _asks_in_words(raw: str) -> bool:
    """A line whose «?» stands after a word or two asks for attention, not about needs: «Честно?
    Даже не представляю.» A line with no «?» (recognition drops them) is left to `is_question`."""
    asked = [_WORDS.findall(sentence) for sentence in _SENTENCES.findall(raw) if sentence.rstrip().endswith("?")]
    return not asked or any(len(words) >= MIN_QUESTION_WORDS for words in asked)


def _claimed_by_other_stages(ctx: CallContext, stage: Stage, i: int, cutoff: float, *, elements: bool) -> bool:
    """A line that says another stage's phrase, invites the client or books a time for them, or holds
    enough of another stage's elements to be it by them («замер завтра к шести, как вам такое
    время?»), is that stage's, whatever else it asks. `elements`: one element's phrase is enough
    when it is most of the line («вам удобно?»), for a line that has nothing but its question mark to
    be the stage by; «вам как удобнее оплатить, переводом или на месте?» asks about payment with the
    meeting's «как вам удобнее», «а сколько всего получается?» about quantity with its «получится»."""
    text = ctx.texts[i]
    if best_match(_other_phrases(ctx.standard, stage), text, cutoff) is not None or invitation_span(text) is not None:
        return True
    if elements:
        element_phrases = [p for s in ctx.standard.stages if s.id != stage.id for el in s.elements for p in el.phrases]
        said = best_match(element_phrases, text, cutoff)
        if said is not None and 2 * (said.token_end - said.token_start) >= len(text.tokens):
            return True
    return any(_enough_elements(ctx, other, i, cutoff, first=False) for other in ctx.standard.stages
               if other.id != stage.id and len(other.elements) >= 2)


def _everyday_question(ctx: CallContext, stage: Stage, i: int) -> bool:
    """A question that is, by meaning, one of the everyday lines of a call («как вас зовут?», «вы у
    нас раньше брали?», «откуда о нас узнали?»): the client's details, not the client's need."""
    return asks_for_the_record(stage_index(ctx.standard), ctx.meaning, i, stage.id)


def is_record_question(ctx: CallContext, i: int) -> bool:
    """Line i asks for the client's details and not about their need: an everyday question of a call
    by meaning, beside the stage that takes any question (discovery); never for a standard without
    such a stage."""
    return any(_everyday_question(ctx, stage, i) for stage in ctx.standard.stages if stage.any_question)


def _free_for_meaning(ctx: CallContext, stage: Stage, i: int, cutoff: float) -> bool:
    """A line that says another stage's phrase is that stage's, whatever it is near in meaning
    («Строй Дом, рассказывайте, что нужно» greets, though «что нужно» is near «что вы строите»);
    a stage that is asking (`any_question`) is found by meaning only in a question, or a line whose
    words ask («наличкой или переводом», its «?» lost; «если объём серьёзный, скинем пять процентов»
    states, it does not discover); and a stage with required
    elements only beside one of them: nearness alone is weaker evidence than the stage's words
    («так, на чем мы остановились?» is near «подъехать к нам» to the encoder, and names no time)."""
    if stage.any_question and not (is_question(ctx.transcript.utterances[i], ctx.texts[i]) or seller_asks(ctx.texts[i])):
        return False
    if stage.elements and not any(_elements(ctx, stage, i, cutoff).values()):
        return False
    if stage.any_question:
        return not _claimed_by_other_stages(ctx, stage, i, cutoff, elements=False)
    return not best_match(_other_phrases(ctx.standard, stage), ctx.texts[i], cutoff)


def _sentence_asks(utt: Utterance, unit: str) -> bool:
    """The sentence a match by meaning found (a unit of `checks.meaning.index.units`) asks, not only
    its line: «…Работаем в закрытом боксе или нет. Поэтому результат ровный» tells in the sentence
    near «на какой результат рассчитываете»."""
    said = next((s for s in sentences(utt.text) if clean(s) == unit), utt.text)
    text = normalise_text(said)
    return is_question(replace(utt, text=said), text) or seller_asks(text)


def _claimed_by_another_stage(ctx: CallContext, stage: Stage, i: int, match: PhraseMatch, cutoff: float) -> bool:
    """The same words match another stage's phrase better, or as well and with more of the line:
    «до встречи» is the farewell's phrase; the meeting's «встретиться» matches only its second
    word. One stretch of words is one stage's."""
    text = ctx.texts[i]
    said = {t.key for t in text.tokens[match.token_start:match.token_end]}
    # only phrases sharing a word with the stretch can claim it; each is aligned on its own, as
    # the best phrase of another stage may lie elsewhere in the line («благодарю за звонок»)
    for phrase in _other_phrases(ctx.standard, stage):
        if said & set(reference_keys(phrase).split()):
            other = best_match((phrase,), text, cutoff)
            if (other and other.token_start < match.token_end and match.token_start < other.token_end
                    and (other.score, other.token_end - other.token_start)
                    > (match.score, match.token_end - match.token_start)):
                return True  # nearer, or as near and saying more of the line
    return False


def _other_phrases(standard: Standard, stage: Stage) -> list[str]:
    return [p for s in standard.stages if s.id != stage.id for p in s.phrases]


def _line_match(ctx: CallContext, stage: Stage, i: int, cutoff: float) -> PhraseMatch | None:
    """The stronger of the phrase match and the match by meaning; none when a counter-example wins."""
    index = stage_index(ctx.standard)
    if stage.counter_examples and counter_example_wins(index, ctx.meaning, i, stage.id):
        return None
    by_words = best_match(stage.phrases, ctx.texts[i], cutoff)
    if by_words and _claimed_by_another_stage(ctx, stage, i, by_words, cutoff):
        by_words = None
    if by_words and _proposes_time(stage) and tells_of_coming(
            normalise_text(by_words.reference), ctx.texts[i], by_words.token_start, by_words.token_end):
        by_words = None
    if by_words and _compares_what_the_phrase_describes(by_words, ctx.texts[i]):
        by_words = None
    if by_words and by_words.score < EXACT and nearer_to_neutral(
            index, ctx.meaning, i, stage.id, [t.text for t in ctx.texts[i].tokens[by_words.token_start:by_words.token_end]]):
        by_words = None  # words near the phrase, a meaning far from it: «спасибо за ожидание»
    found = ctx.meaning.match(index, i, stage.id)
    if found and (not _free_for_meaning(ctx, stage, i, cutoff)
                  or (stage.any_question and not _sentence_asks(ctx.transcript.utterances[i], found.unit))):
        found = None
    by_meaning = as_phrase_match(found, ctx.texts[i], cutoff) if found else None
    if by_words and (by_meaning is None or by_words.score >= by_meaning.score):
        return by_words
    return by_meaning or _invitation(ctx, stage, i, cutoff)


def _compares_what_the_phrase_describes(match: PhraseMatch, text: NormText) -> bool:
    """A comparative has its adjective's lemma: «разбирается лучше всех» has the lemmas of «всего
    хорошего» and says nothing of the kind. A phrase that does not compare is not matched by one."""
    said = text.tokens[match.token_start:match.token_end]
    return (any(is_comparative(t.text) for t in said if t.text.isalpha())
            and not any(is_comparative(t.text) for t in normalise_text(match.reference).tokens if t.text.isalpha()))


def _proposal_form(ctx: CallContext, stage: Stage, i: int) -> bool:
    """A stage that proposes a time is found by its elements alone only in a line that asks or
    invites: «в пятницу в три вам удобно?» proposes; «офис открыт до семи вечера, так что успеете»
    names a time and «успеете» and tells the opening hours."""
    if not _proposes_time(stage):
        return True
    utt, text = ctx.transcript.utterances[i], ctx.texts[i]
    return (is_question(utt, text) or seller_asks(text)
            or invitation_span(text) is not None)


def _proposes_time(stage: Stage) -> bool:
    """A stage that requires a concrete time or day proposes one (a meeting, a visit)."""
    return any(el.kind == "time_or_day" for el in stage.elements)


def _invitation(ctx: CallContext, stage: Stage, i: int, cutoff: float) -> PhraseMatch | None:
    """A stage that proposes a time (it requires a `time_or_day` element) is also present in an
    invitation to come or meet, or a time booked for the client («давайте я вас запишу на среду»),
    told by its grammar, that names the time or says another of its elements: «Приходите в пятницу
    к шести, идёт?» shares no word with «давайте встретимся» and is no nearer to it in meaning than
    «подождите, я посмотрю» is. It is the weakest evidence
    there is (the cutoff), so a stage's phrases or meaning elsewhere are preferred to it."""
    if not _proposes_time(stage):
        return None
    text = ctx.texts[i]
    span = invitation_span(text)
    if span is None or not any(_element_found(el, text, ctx.standard, cutoff) for el in stage.elements):
        return None
    return PhraseMatch(cutoff, span[0], span[1],
                       f"an invitation to come or a time booked, with its elements: «{text.tokens[span[0]].text}»")


def _enough_elements(ctx: CallContext, stage: Stage, i: int, cutoff: float, *, first: bool) -> list[str]:
    """The stage's elements in line `i`, when they are enough for the stage without its phrases:
    half of them, two at least, in a line of the right form (`_proposal_form`); in the very first
    line of a stage that opens the call one will do. Empty when not enough."""
    found = [el.id for el in stage.elements if _element_found(el, ctx.texts[i], ctx.standard, cutoff)]
    needed = 1 if first and stage.window == "start" else max(2, len(stage.elements) / 2)
    return found if len(found) >= needed and _proposal_form(ctx, stage, i) else []


def _answered_by_goodbye(ctx: CallContext, stage: Stage, cutoff: float) -> tuple[int, PhraseMatch] | None:
    """A closing stage (`window: end`) in the speaker's last line that recognition garbled, told by its
    place: the client's goodbye answers it, as the call's last line, and it follows the client's
    closing words rather than a question. «Удачи на дорогах, до свидания!» came out of Whisper as
    «уточен на дорогах со всеми до Анирия», and the client's «до свидания» after it is what is left
    to tell it by. The client's goodbye is the stage by its own phrases or meaning; the line must be
    unsure (`_unsure`: a word no dictionary knows, or Whisper's own doubt) or a phrase of the stage
    with its words cut elsewhere (`_run_together`), no question and no other stage's, so a clear line
    that is something else (an answer, a hold) is never taken."""
    utterances = ctx.transcript.utterances
    if stage.window != "end" or stage.speaker == "any" or len(utterances) < 3:
        return None
    bye, said, before = len(utterances) - 1, len(utterances) - 2, len(utterances) - 3
    if (utterances[bye].speaker == stage.speaker or utterances[bye].speaker == "unknown"
            or utterances[said].speaker != stage.speaker or utterances[before].speaker != utterances[bye].speaker):
        return None
    if is_question(utterances[before], ctx.texts[before]) or is_question(utterances[said], ctx.texts[said]):
        return None
    misheard = _unsure(utterances[said]) or _run_together(stage.phrases, ctx.texts[said], cutoff)
    if not misheard or _claimed_by_other_stages(ctx, stage, said, cutoff, elements=False):
        return None
    if not (best_match(stage.phrases, ctx.texts[bye], cutoff) or says_goodbye(utterances[bye].text)
            or ctx.meaning.match(stage_index(ctx.standard), bye, stage.id)):
        return None
    answer = utterances[bye].text.strip()
    return said, PhraseMatch(cutoff, 0, len(ctx.texts[said].tokens),
                             f"the client's goodbye answers it: «{answer}» (the line itself was misheard)")


# how near in letters a word no dictionary knows must be to a one-word phrase of an opening stage
_MISHEARD_OPENING_RATIO = 65.0


def _misheard_opening(ctx: CallContext, stage: Stage, cutoff: float) -> tuple[int, PhraseMatch] | None:
    """A stage that opens the call (`window: start`), told in the speaker's first line when
    recognition garbled its word there: a call's first word is cut at its onset more often than any
    other («Издравдывайте», «лифтрафствуйте» for «здравствуйте»). One of the line's first three
    words, one no dictionary knows, is near in letters to a one-word phrase of the stage; weak
    evidence (the cutoff), as the closing stage's `_answered_by_goodbye`."""
    first = next(iter(candidate_indices(ctx, stage)), None) if stage.window == "start" else None
    if first is None:
        return None
    words = [p.lower().replace("ё", "е") for p in stage.phrases if len(p.split()) == 1]
    for k, tok in enumerate(ctx.texts[first].tokens[:3]):
        if (tok.text.isalpha() and len(tok.text) >= 6 and not is_known_word(tok.text)
                and any(fuzz.ratio(tok.text, w) >= _MISHEARD_OPENING_RATIO for w in words)):
            return first, PhraseMatch(cutoff, k, k + 1, f"the call's first words misheard: «{tok.text}»")
    return None


def _booked_after_assent(ctx: CallContext, stage: Stage) -> tuple[int, PhraseMatch] | None:
    """A stage that proposes a time, told by the dialogue when recognition broke its verb («Давайте
    мы помидеть и во вторник, в 3 часа дня»): the seller says one of its elements (a day or an
    hour, «вас устроит?»), the client takes it («Да, в это время смогу») and the seller books the
    client («Хорошо, я вас отметила»). The first such line is the proposal; it is weak evidence (the
    cutoff), as `_invitation`'s."""
    if not _proposes_time(stage):
        return None
    utterances, texts = ctx.transcript.utterances, ctx.texts
    cutoff = ctx.standard.thresholds.match_cutoff
    for i in candidate_indices(ctx, stage):
        found = [el for el in stage.elements if _element_found(el, texts[i], ctx.standard, cutoff)]
        # a day alone may be told («в субботу работаем до шести»); with «?», a word that asks
        # whether it suits («вас устроит»), or an invitation it is put to the client
        if not (any(el.kind != "time_or_day" for el in found)
                or (found and (_proposal_form(ctx, stage, i) or proposes(texts[i])))):
            continue
        after = [j for j in range(i + 1, min(len(utterances), i + 5)) if utterances[j].speaker != "unknown"]
        took = next((n for n, j in enumerate(after) if utterances[j].speaker != stage.speaker
                     and takes_the_time(texts[j], utterances[j].text)), None)
        if took is None or any(utterances[j].speaker == stage.speaker for j in after[:took]):
            continue
        booked = next((j for j in after[took + 1:] if utterances[j].speaker == stage.speaker), None)
        if booked is not None and books_the_client(texts[booked]):
            reply = utterances[after[took]].text.strip()
            return i, PhraseMatch(cutoff, 0, len(texts[i].tokens),
                                  f"a time the client took («{reply}») and the seller booked")
    return None


def _unsure(utt: Utterance) -> bool:
    """Recognition doubted the line: a word no dictionary knows, or words Whisper itself gave little
    probability (a mean under UNSURE_PROBABILITY). A line from a transcript with no word
    probabilities (the truth's own words) is sure."""
    if not utt.words:
        return False
    words = [w.text.strip(".,!?…-«»").lower() for w in utt.words]
    if any(w.isalpha() and not is_known_word(w) for w in words):
        return True
    return sum(w.probability for w in utt.words) / len(utt.words) < UNSURE_PROBABILITY


# how Russian says goodbye on the phone, whoever the company
GOODBYES = (("до", "свидания"), ("всего", "доброго"), ("всего", "хорошего"), ("до", "связи"), ("пока",),
            ("счастливо",))


def says_goodbye(raw: str) -> bool:
    """«Пока! Спасибо!», «Ну ладно, всего доброго»: a sentence of the line is a goodbye, with words
    of assent or thanks around it at most («пока не знаю» is no goodbye)."""
    for words in sentence_words(raw):
        for g in GOODBYES:
            at = next((k for k in range(len(words)) if tuple(words[k:k + len(g)]) == g), None)
            if at is not None and set(words[:at]) | set(words[at + len(g):]) <= _COURTESIES:
                return True
    return False


def bids_goodbye(raw: str) -> bool:
    """A goodbye anywhere in the line, whatever stands around it («До свидания, обращайтесь.»);
    «пока» alone is left out: «пока не знаю» is no goodbye."""
    words = [w for sentence in sentence_words(raw) for w in sentence]
    return any(tuple(words[k:k + len(g)]) == g for g in GOODBYES if g != ("пока",) for k in range(len(words)))


_RUN_TOGETHER_CUTOFF = 90.0
_COURTESIES = frozenset("ну ладно хорошо спасибо большое ага да и вам вас тоже тогда все".split())


def _run_together(phrases: list[str], text: NormText, cutoff: float) -> bool:
    """A phrase heard with its words cut elsewhere: «все его хорошего» is «всего хорошего», «с его
    хорошего» too. Compared with the spaces taken out, within the line's words."""
    line = "".join(t.text for t in text.tokens)
    # without the spaces short words no longer stand apart: «спасибо за ожидание» is 80 near
    # «спасибо за звонок» so; a cut word costs a letter or two. The line must hold the whole phrase
    # («Да.» is inside «досвидания» to partial_ratio)
    return any(len(joined) >= 8 and len(line) >= len(joined) - 2
               and fuzz.partial_ratio(joined, line) >= max(cutoff, _RUN_TOGETHER_CUTOFF)
               for joined in ("".join(p.lower().replace("ё", "е").split()) for p in phrases))


def _call_went_on(ctx: CallContext, stage: Stage, i: int) -> bool:
    """After line `i` the other side asked something and the stage's speaker replied: a closing said
    before that was not the call's close («Записал вас, будем ждать.» — «За какой срок изготовите
    очки?» — «Изготовление занимает три дня.», and no goodbye after it)."""
    utterances, kb = ctx.transcript.utterances, ctx.standard.knowledge_base
    asked = next((j for j in range(i + 1, len(utterances)) if utterances[j].speaker not in (stage.speaker, "unknown")
                  and is_question(utterances[j], ctx.texts[j], kb)), None)
    return asked is not None and any(u.speaker == stage.speaker for u in utterances[asked + 1:])


def detect_stage(ctx: CallContext, stage: Stage) -> StageHit:
    cutoff = ctx.standard.thresholds.match_cutoff
    matches = [(i, m) for i in candidate_indices(ctx, stage) if (m := _line_match(ctx, stage, i, cutoff))
               and not (stage.window == "end" and _call_went_on(ctx, stage, i))]
    best: tuple[int, PhraseMatch] | None = None
    if matches:
        # the first clear match is where the stage happened, for the order check and
        # for the QA lead who jumps to it; a much weaker early one is not it
        top = max(m.score for _, m in matches)
        best = next((i, m) for i, m in matches if m.score >= top - CLEAR_MATCH_MARGIN)
    if best is None and len(stage.elements) >= 2:
        # «СтройДом, Ирина, слушаю» greets without any stock phrase: enough elements
        # in one utterance make the stage present too; in the very first words of a
        # stage that opens the call, one will do («Да, магазин СтройДом…»)
        for n, i in enumerate(candidate_indices(ctx, stage)):
            found = _enough_elements(ctx, stage, i, cutoff, first=n == 0)
            if found:
                best = (i, PhraseMatch(cutoff, 0, len(ctx.texts[i].tokens), "elements: " + ", ".join(found)))
                break
    if best is None and stage.any_question:
        best = _first_free_question(ctx, stage, cutoff)
    if best is None:
        best = _booked_after_assent(ctx, stage)
    if best is None:
        best = _answered_by_goodbye(ctx, stage, cutoff)
    if best is None:
        best = _misheard_opening(ctx, stage, cutoff)
    if best is None:
        return StageHit(stage.id, present=False, score=0.0, check="stages")
    index, match = best
    utt = ctx.transcript.utterances[index]
    elements = _elements(ctx, stage, index, cutoff)
    share = sum(elements.values()) / len(elements) if elements else 1.0
    return StageHit(
        stage.id, present=True, score=round(share, 3),
        evidence=evidence_for(utt, ctx.texts[index], match), elements=elements, check="stages",
    )


def detect_stages(ctx: CallContext) -> tuple[StageHit, ...]:
    return tuple(detect_stage(ctx, stage) for stage in ctx.standard.stages)


def stage_hits(ctx: CallContext) -> tuple[StageHit, ...]:
    """The call's stage hits, found once per call: the stage, missing-stage and order checks all ask."""
    if ctx.stages_found is None:
        ctx.stages_found = detect_stages(ctx)
    return ctx.stages_found
