"""Poor dispatching (article, example 6, and example 7's verbal templates).

Three patterns: a transfer without the template (the seller must name the
colleague or say why), a client who complains of having been passed around
already, and «нужного сотрудника нет» with no offer to call back.

Each is found by the standard's phrases or by a line near them in meaning (`words_or_meaning`),
with the context it needs: a transfer is also a first-person verb of transferring
(«давайте я вас переведу», «минуточку, переключаю»), whatever else the line says; an absent
colleague needs a word that says someone is away; a complaint needs a word that says it has
happened before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from checks.meaning.calls import as_phrase_match, phrase_index, words_or_meaning
from checks.registry import CallContext, CheckResult, register
from checks.text.matching import PhraseMatch, best_match, covers_words, evidence_for, reference_lemmas
from checks.text.normalise import (
    NormText,
    first_person_singular_verb,
    is_first_name,
    is_third_person_verb,
    morph_parses,
    may_be_first_name,
    names_a_person,
    normalise_text,
    part_of_speech,
)
from pipeline.records import Finding

DEFAULTS: dict[str, list[str]] = {
    "transfer_phrases": ["соединяю", "переключаю на коллегу", "сейчас переведу", "переключу вас", "передам трубку"],
    # what makes a transfer proper besides the colleague's name
    "explain_phrases": ["он занимается", "она занимается", "отвечает за", "специалист по", "который поможет", "которая поможет", "подробно расскажет"],
    "complaint_phrases": ["меня уже переключали", "я уже звонил", "я уже звонила", "уже третий раз", "сколько можно переключать", "мне уже говорили позвонить",
                          # the same complaint in other words, for matching by meaning
                          "меня переводят от одного к другому", "я уже всё объяснял вашему коллеге",
                          "мне обещали перезвонить и никто не перезвонил", "меня гоняют по разным номерам"],
    "absent_phrases": ["нужного сотрудника нет", "его сейчас нет", "ее сейчас нет", "он на встрече", "она на встрече", "он в отпуске", "сотрудник отсутствует",
                       "коллеги сейчас нет", "сотрудника сегодня нет на месте", "у него сегодня выходной"],
    # an absent colleague is said in these word forms: «он на встрече» is away, while «запишу вас
    # на встречу с нашим специалистом» books one (same lemma, another case); compared as written
    "absent_words": ["нет", "нету", "отсутствует", "отсутствуют", "отпуске", "отпуск", "встрече", "совещании",
                     "выезде", "вышел", "вышла", "уехал", "уехала", "ушел", "ушла", "болеет", "больничном",
                     "занят", "занята", "обеде", "выходной"],
    "callback_phrases": ["перезвоним", "перезвонит", "оставьте номер", "оставьте телефон", "передам что вы звонили", "свяжется с вами",
                         "передам ваше сообщение", "продиктуйте ваш номер", "запишу ваш номер", "вам перезвонят"],
    # the verbs of a transfer, as infinitives: said in the first person («переведу», «соединяю»)
    # the seller is transferring the call, in any words around them
    "transfer_verbs": ["перевести", "переводить", "переключить", "переключать", "соединить", "соединять"],
    # the seller's last words asking the client to stay on the line hand the call over, whatever
    # recognition made of the verb before them («Выриняю и кладите трубку» for «соединяю, не кладите…»)
    "hand_over_phrases": ["не кладите трубку", "оставайтесь на линии", "побудьте на линии", "подождите на линии"],
    # the verbs of being sent on, as infinitives: said of unnamed others with «меня»/«мне» («меня
    # отправили к вам») they tell a complaint of transfers near one in meaning
    "redirect_verbs": ["отправить", "отправлять", "направить", "направлять", "послать", "посылать", "гонять",
                       "футболить", "перекинуть", "перекидывать", "перевести", "переводить",
                       "переключить", "переключать", "переадресовать"],
    # a complaint of being passed around in other words than the phrases says it happened before:
    # «уже», «опять», «второй раз», «вчера»
    "repeat_words": ["уже", "опять", "снова", "который раз", "не первый раз", "надоело",
                     "сколько можно", "вчера"],
}
# «второй раз» is normalised to «2 раз»: a count before «раз» says it again, unless it is one
_NTH_TIME = re.compile(r"(?<!\S)(?:[2-9]|\d\d+) раз(?!\S)")

# a colleague who «не будет», «не работает» or is «не на работе» today is away too; compared as written
_ABSENT_PAIRS = ("не будет", "не работает", "нет на месте", "не на месте", "не на работе")


def _phrases(params: Mapping[str, Any], key: str) -> list[str]:
    return list(params.get(key, DEFAULTS[key]))


def _says_absent(text: NormText, words: list[str]) -> bool:
    """The line has a word form that says someone is away; the phrase match alone works on lemmas. A
    bare «нет» or «нету» needs someone it is said of: «у меня такой информации нет» has no one."""
    forms = {t.text for t in text.tokens}
    if any(f" {p} " in f" {text.surface} " for p in _ABSENT_PAIRS) or any(w in forms for w in words if w not in _BARE_NO):
        return True
    return bool(forms & _BARE_NO & set(words)) and any(_someone(t.text) for t in text.tokens if t.text.isalpha())


_BARE_NO = frozenset(("нет", "нету"))


def _someone(word: str) -> bool:
    """A word for a person other than the speakers: «коллега», «его», «Иван»."""
    parses = morph_parses(word)
    return bool(parses) and (names_a_person(word) or is_first_name(word)
                             or (parses[0].tag.POS == "NPRO" and parses[0].tag.person == "3per"))


def _says_again(text: NormText, words: list[str]) -> bool:
    """«уже», «опять», «второй раз»: the client says it is not the first time. The words are
    normalised as the line is: «не первый раз» is «не 1 раз» there."""
    return (any(f" {normalise_text(w).surface} " in f" {text.surface} " for w in words)
            or bool(_NTH_TIME.search(text.surface)))


# the parts of speech that tell what was done: «переключали», «звонить», «отправляют»
_EVENT_POS = frozenset(("VERB", "INFN", "PRTS", "GRND"))


def _tells_what_happened(text: NormText) -> bool:
    """A complaint of transfers tells what was done to the client, or how often («уже второй раз»);
    «Вот это уже разговор» says neither, whatever its «уже» and its nearness to a complaint."""
    return bool(_NTH_TIME.search(text.surface)) or any(
        t.text.isalpha() and part_of_speech(t.text) in _EVENT_POS for t in text.tokens)


def _names_the_event(found: PhraseMatch, text: NormText) -> bool:
    """The matched words have the complaint's verb: «сколько можно переключать» shares all but it
    with «до скольки можно приехать»."""
    verbs = [key for lemma, key in reference_lemmas(found.reference) if part_of_speech(lemma) in _EVENT_POS]
    return covers_words(verbs, text, found.token_start, found.token_end) if verbs else True


def _was_sent_on(text: NormText, verbs: list[str]) -> bool:
    """The client tells that unnamed others sent them on: «меня отправили к вам», «меня от одного к
    другому гоняют» — a verb ending as one of `redirect_verbs` («отгоняли») said of «они» (past
    plural or third person plural, no one named) and «меня» or «мне». «Перезвоните мне» and «мне
    посоветовали» tell no such thing."""
    words = [t.text for t in text.tokens if t.text.isalpha()]
    if not {"меня", "мне"} & set(words) or any(names_a_person(w) for w in words):
        return False
    endings = tuple(verbs)  # by the verb's end, as a prefix keeps the sense: «отгоняли», «отфутболили»
    for word in words:
        parses = morph_parses(word)
        if not parses or parses[0].tag.POS != "VERB" or not parses[0].normal_form.endswith(endings):
            continue
        tag = parses[0].tag
        if tag.number == "plur" and (tag.tense == "past" or tag.person == "3per"):
            return True
    return False


def _complaint_by_meaning(ctx: CallContext, i: int, complaints: list[str], repeat_words: list[str],
                          redirect_verbs: list[str], cutoff: float) -> PhraseMatch | None:
    """A sentence of the client's line that says it is not the first time, or that they were sent on
    (`_was_sent_on`), and is itself near a complaint of transfers in meaning: in «Я насчёт новой
    оправы. Давно уже собираюсь.» the «уже» and the line's nearness to «я уже звонил» are in
    different sentences."""
    index = phrase_index("complaint", tuple(complaints))
    units, sims = ctx.meaning.units[i], ctx.meaning.similarities(index, i)
    whole = len(units) > 1  # the last unit of a line of several sentences is the whole line
    for k, unit in enumerate(units[:-1] if whole else units):
        found = index.matches((unit,), sims[k:k + 1]).get("complaint")  # the vectors first: they are cheap
        if found is None:
            continue
        said = normalise_text(unit)
        if (_says_again(said, repeat_words) and _tells_what_happened(said)) or _was_sent_on(said, redirect_verbs):
            return as_phrase_match(found, ctx.texts[i], cutoff)
    return None


def _transfer_verb(text: NormText, verbs: list[str]) -> PhraseMatch | None:
    """A first-person verb of transferring the call, as the evidence: «давайте я вас переведу»."""
    wanted = set(verbs)
    for i, token in enumerate(text.tokens):
        if token.text.isalpha() and first_person_singular_verb(token.text) in wanted:
            return PhraseMatch(100.0, i, i + 1, token.lemma)
    return None


def _hands_over(ctx: CallContext, i: int, phrases: list[str], cutoff: float) -> PhraseMatch | None:
    """The seller's last line asks the client to stay on the line: the call goes to someone else.
    Said before a hold the seller comes back from, it is no transfer."""
    if any(u.speaker == "seller" for u in ctx.transcript.utterances[i + 1:]):
        return None
    return best_match(phrases, ctx.texts[i], cutoff)


def _names_someone(text: NormText, said: str) -> bool:
    """A given name: by its likely reading, or any reading when written with a capital inside the
    sentence («переведу вас на Веру»: «веру» alone reads as «faith»)."""
    inside = [w.strip(".,!?…«»\"") for w in said.split()[1:]]
    return (any(is_first_name(t.text) for t in text.tokens if t.text.isalpha())
            or any(w[:1].isupper() and w.isalpha() and may_be_first_name(w) for w in inside))


_HE_SHE = frozenset(("он", "она"))
# how many words on from «он» or «наш механик» the colleague's part may be told («он все моторы сам
# обслуживает»)
_PART_REACH = 5


def _says_what_they_do(text: NormText) -> bool:
    """«…она доставку рассчитает», «он ваш район обслуживает», «наш механик подскажет», «он у нас по
    моторам главный»: the colleague's part in the client's matter, said with «он», «она» or a noun for
    a person and, a few words on, a verb of theirs or the field they are in («по моторам»)."""
    toks = text.tokens

    def part_told(i: int) -> bool:
        after = [v.text for v in toks[i + 1:i + 1 + _PART_REACH] if v.text.isalpha()]
        return (any(is_third_person_verb(w) for w in after)
                or any(w == "по" and k + 1 < len(after) for k, w in enumerate(after)))

    return any((t.text in _HE_SHE or (t.text.isalpha() and names_a_person(t.text))) and part_told(i)
               for i, t in enumerate(toks))


def says_colleague_absent(ctx: CallContext, i: int, params: Mapping[str, Any] | None = None) -> PhraseMatch | None:
    """Line i says the colleague asked for is away: an absent phrase, or a line near one in meaning,
    with a word that says someone is away («коллега в отпуске», «этот сотрудник уже ушёл»)."""
    params = ctx.standard.check_params("poor_dispatching") if params is None else params
    text = ctx.texts[i]
    if not _says_absent(text, _phrases(params, "absent_words")):
        return None
    return words_or_meaning("absent", _phrases(params, "absent_phrases"), text, ctx.meaning, i,
                            ctx.standard.thresholds.match_cutoff)


@register("poor_dispatching", "8", needs_roles=True)
def poor_dispatching_check(ctx: CallContext, params: Mapping[str, Any]) -> CheckResult:
    cutoff = ctx.standard.thresholds.match_cutoff
    severity = params.get("severity", "major")
    utterances = ctx.transcript.utterances
    findings: list[Finding] = []

    def add(index: int, phrase_match, kind: str, reference: str) -> None:  # type: ignore[no-untyped-def]
        ev = evidence_for(utterances[index], ctx.texts[index], phrase_match)
        findings.append(Finding(
            type="poor_dispatching", severity=severity, start=ev.start, end=ev.end, speaker=ev.speaker,
            evidence=f"«{utterances[index].text}»", reference=reference, check="poor_dispatching",
            details={"kind": kind, "phrase": phrase_match.reference},
        ))

    for i, u in enumerate(utterances):
        text = ctx.texts[i]
        if u.speaker == "client":
            complaints = _phrases(params, "complaint_phrases")
            said = best_match(complaints, text, cutoff)
            found = (said if said and _names_the_event(said, text) else None) or _complaint_by_meaning(
                ctx, i, complaints, _phrases(params, "repeat_words"), _phrases(params, "redirect_verbs"), cutoff)
            if found:
                add(i, found, "client_complains_of_transfers", "the client should reach the right person at once")
            continue
        # the template may be spread over this line and the next one of the seller
        following = [j for j in range(i + 1, min(i + 3, len(utterances))) if utterances[j].speaker == u.speaker][:1]
        context = [(text, u.text)] + [(ctx.texts[j], utterances[j].text) for j in following]
        transfer = (best_match(_phrases(params, "transfer_phrases"), text, cutoff)
                    or _transfer_verb(text, _phrases(params, "transfer_verbs"))
                    or _hands_over(ctx, i, _phrases(params, "hand_over_phrases"), cutoff))
        if transfer and not any(
            _names_someone(t, said) or _says_what_they_do(t) or best_match(_phrases(params, "explain_phrases"), t, cutoff)
            for t, said in context
        ):
            add(i, transfer, "transfer_without_template", "a transfer names the colleague or says why")
        absent = says_colleague_absent(ctx, i, params)
        if (absent
                and not any(words_or_meaning("callback", _phrases(params, "callback_phrases"), ctx.texts[j],
                                             ctx.meaning, j, cutoff) for j in [i, *following])):
            add(i, absent, "absent_without_callback", "when the person is absent, offer a call-back")
    return CheckResult(findings=tuple(findings))
