"""Poor dispatching (article, example 6, and example 7's verbal templates).

Three patterns: a transfer without the template (the seller must name the
colleague or say why), a client who complains of having been passed around
already, and «нужного сотрудника нет» with no offer to call back.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from checks.text.matching import best_match, evidence_for
from checks.registry import CallContext, CheckResult, register
from checks.text.normalise import NormText, is_first_name
from pipeline.records import Finding

DEFAULTS: dict[str, list[str]] = {
    "transfer_phrases": ["соединяю", "переключаю на коллегу", "сейчас переведу", "переключу вас", "передам трубку"],
    # what makes a transfer proper besides the colleague's name
    "explain_phrases": ["он занимается", "она занимается", "отвечает за", "специалист по", "который поможет", "которая поможет", "подробно расскажет"],
    "complaint_phrases": ["меня уже переключали", "я уже звонил", "я уже звонила", "уже третий раз", "сколько можно переключать", "мне уже говорили позвонить"],
    "absent_phrases": ["нужного сотрудника нет", "его сейчас нет", "ее сейчас нет", "он на встрече", "она на встрече", "он в отпуске", "сотрудник отсутствует"],
    # an absent colleague is said in these word forms: «он на встрече» is away, while «запишу вас
    # на встречу с нашим специалистом» books one (same lemma, another case); compared as written
    "absent_words": ["нет", "нету", "отсутствует", "отсутствуют", "отпуске", "отпуск", "встрече", "совещании",
                     "выезде", "вышел", "вышла", "уехал", "уехала", "ушел", "ушла", "болеет", "больничном",
                     "занят", "занята", "обеде"],
    "callback_phrases": ["перезвоним", "перезвонит", "оставьте номер", "оставьте телефон", "передам что вы звонили", "свяжется с вами"],
}


def _phrases(params: Mapping[str, Any], key: str) -> list[str]:
    return list(params.get(key, DEFAULTS[key]))


def _says_absent(text: NormText, words: list[str]) -> bool:
    """The line has a word form that says someone is away; the phrase match alone works on lemmas."""
    forms = {t.text for t in text.tokens}
    return any(w in forms for w in words)


def _names_someone(text: NormText) -> bool:
    return any(is_first_name(t.text) for t in text.tokens if t.text.isalpha())


@register("poor_dispatching", "2", needs_roles=True)
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
            found = best_match(_phrases(params, "complaint_phrases"), text, cutoff)
            if found:
                add(i, found, "client_complains_of_transfers", "the client should reach the right person at once")
            continue
        # the template may be spread over this line and the next one of the seller
        following = [j for j in range(i + 1, min(i + 3, len(utterances))) if utterances[j].speaker == u.speaker][:1]
        context = [text] + [ctx.texts[j] for j in following]
        transfer = best_match(_phrases(params, "transfer_phrases"), text, cutoff)
        if transfer and not any(
            _names_someone(t) or best_match(_phrases(params, "explain_phrases"), t, cutoff) for t in context
        ):
            add(i, transfer, "transfer_without_template", "a transfer names the colleague or says why")
        absent = best_match(_phrases(params, "absent_phrases"), text, cutoff)
        if (absent and _says_absent(text, _phrases(params, "absent_words"))
                and not any(best_match(_phrases(params, "callback_phrases"), t, cutoff) for t in context)):
            add(i, absent, "absent_without_callback", "when the person is absent, offer a call-back")
    return CheckResult(findings=tuple(findings))
