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

from checks.dialogue.invitations import invitation_span, tells_of_coming
from checks.dialogue.questions import DAY_LEMMAS, is_question, seller_asks
from checks.text.matching import PhraseMatch, best_match, evidence_for, reference_keys
from checks.meaning.calls import as_phrase_match, counter_example_wins, nearer_to_neutral, stage_index
from checks.registry import CallContext
from checks.standard import Element, Stage, Standard
from checks.text.normalise import NormText, is_comparative, is_first_name, normalise_text
from pipeline.records import StageHit

# how many of the speaker's utterances count as the start or the end of a call
WINDOW_UTTERANCES = 3
# a question this short («да?», «алло?») asks for attention, not about needs
MIN_QUESTION_WORDS = 3
# a match this much weaker than the stage's best match is not taken as its evidence
CLEAR_MATCH_MARGIN = 10.0
# a phrase matched word for word; a weaker match must not mean something else (`nearer_to_neutral`)
EXACT = 100.0
_TIME = re.compile(r"^\d{1,2}:\d{2}$")
_HOUR_LEMMAS = frozenset(("час", "утро", "вечер", "день"))


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
    toks = text.tokens
    for i, tok in enumerate(toks):
        if _TIME.match(tok.text) or tok.lemma in DAY_LEMMAS:
            return True
        if tok.text.isdigit() and i + 1 < len(toks) and toks[i + 1].lemma in _HOUR_LEMMAS:
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
        return any(is_first_name(t.text) or t.text in sellers for t in text.tokens if t.text.isalpha())
    return _has_time_or_day(text)  # time_or_day


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
    """The speaker's first question that is not another stage's phrase («вам удобно?» is not discovery)."""
    others = _other_phrases(ctx.standard, stage)
    others += [p for s in ctx.standard.stages for el in s.elements for p in el.phrases]
    for i in candidate_indices(ctx, stage):
        utt, text = ctx.transcript.utterances[i], ctx.texts[i]
        if len(text.tokens) >= MIN_QUESTION_WORDS and is_question(utt, text) and not best_match(others, text, cutoff):
            return i, PhraseMatch(cutoff, 0, len(text.tokens), "a question by the seller")
    return None


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
    return not best_match(_other_phrases(ctx.standard, stage), ctx.texts[i], cutoff)


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
    if found and not _free_for_meaning(ctx, stage, i, cutoff):
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
    invitation to come or meet, told by its grammar, that names the time or says another of its
    elements: «Приходите в пятницу к шести, идёт?» shares no word with «давайте встретимся» and
    is no nearer to it in meaning than «подождите, я посмотрю» is. It is the weakest evidence
    there is (the cutoff), so a stage's phrases or meaning elsewhere are preferred to it."""
    if not _proposes_time(stage):
        return None
    text = ctx.texts[i]
    span = invitation_span(text)
    if span is None or not any(_element_found(el, text, ctx.standard, cutoff) for el in stage.elements):
        return None
    return PhraseMatch(cutoff, span[0], span[1], f"an invitation to come, with a time: «{text.tokens[span[0]].text}»")


def detect_stage(ctx: CallContext, stage: Stage) -> StageHit:
    cutoff = ctx.standard.thresholds.match_cutoff
    matches = [(i, m) for i in candidate_indices(ctx, stage) if (m := _line_match(ctx, stage, i, cutoff))]
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
            found = [el.id for el in stage.elements if _element_found(el, ctx.texts[i], ctx.standard, cutoff)]
            if len(found) >= (1 if n == 0 and stage.window == "start" else max(2, len(stage.elements) / 2)) \
                    and _proposal_form(ctx, stage, i):
                best = (i, PhraseMatch(cutoff, 0, len(ctx.texts[i].tokens), "elements: " + ", ".join(found)))
                break
    if best is None and stage.any_question:
        best = _first_free_question(ctx, stage, cutoff)
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
