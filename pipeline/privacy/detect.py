"""All the detectors over a transcript: personal data spans with their seconds.

Each line is read with the line before it (the seller's «продиктуйте номер карты» says what the
client's digits are). Where two detectors find overlapping text, the more specific one names the
span (a number, an e-mail, an address, then a name, then a place) and the span grows to cover both,
so no character either one found is left in clear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from checks.standard import Standard
from pipeline.privacy.addresses import find_address_spans
from pipeline.privacy.dialogue import NUMERIC_KINDS, Line, find_dialogue_spans, lead_in, read_dialogue, request, sentence_runs
from pipeline.privacy.emails import find_email_spans
from pipeline.privacy.morph import in_dictionary, lemma, lemmas, pos, readings
from pipeline.privacy.names import NER_DETECTOR, find_name_spans, ignore_key, ner_spans
from pipeline.privacy.numbers import find_number_spans
from pipeline.privacy.requests import requests_by_meaning
from pipeline.privacy.sentence_model import SentenceModel, sentence_model, sentence_spans
from pipeline.privacy.spans import PersonalSpan, TextSpan, set_off_name
from pipeline.privacy.timing import span_seconds
from pipeline.privacy.tokens import tokenize
from pipeline.records import Transcript

_PRIORITY = ("email", "card", "passport", "snils", "inn", "phone", "address", "name", "place")


def ignore_terms(company: str, aliases: Sequence[str] = (), products: Sequence[str] = (),
                 sellers: Sequence[str] = ()) -> tuple[str, ...]:
    """What is never personal data in a company's calls: its name, its products, its sellers.

    `checks.standard.Standard.company` has each of these; the caller adds the call's seller."""
    return tuple(t for t in (company, *aliases, *products, *sellers) if t.strip())


def standard_ignore_terms(standard: Standard, sellers: Sequence[str] = ()) -> tuple[str, ...]:
    """The ignore terms a standard gives: the company profile and the text facts of its knowledge
    base (the office's address is the company's, not a client's)."""
    c = standard.company
    facts = [f.value for f in standard.knowledge_base if f.unit == "text" and isinstance(f.value, str)]
    return ignore_terms(c.name, c.aliases, [*c.products, *facts], [*c.sellers, *sellers])


def _resolve(spans: list[TextSpan]) -> list[TextSpan]:
    kept: list[TextSpan] = []
    for span in sorted(spans, key=lambda s: (_PRIORITY.index(s.type), s.char_start)):
        hit = next((i for i, k in enumerate(kept) if span.overlaps(k)), None)
        if hit is None:
            kept.append(span)
            continue
        k = kept[hit]
        kept[hit] = TextSpan(k.type, min(k.char_start, span.char_start), max(k.char_end, span.char_end), k.detector)
    return sorted(kept, key=lambda s: s.char_start)


def _dialogue(lines: Sequence[tuple[str, str, str]], keys: set[tuple[str, ...]],
              call: bool) -> tuple[list[list[TextSpan]], list[str | None]]:
    """The dialogue detector's spans and, in a call, the request each client's line answers: over
    the call in order, or, for lines that are no call (a labelled set, read by the rules alone),
    each line after its `before`, said by the other side."""
    if call:
        meant = requests_by_meaning([text if speaker == "seller" else "" for text, speaker, _ in lines])
        return read_dialogue([Line(text, speaker) for text, speaker, _ in lines], keys, meant)
    other = {"client": "seller", "seller": "client"}
    meant = requests_by_meaning([before if speaker != "seller" else "" for _, speaker, before in lines])
    return ([find_dialogue_spans([Line(before, other.get(speaker, "seller")), Line(text, speaker)], keys, [asked])[1]
             for (text, speaker, before), asked in zip(lines, meant)], [None] * len(lines))


def _echoed(found: list[list[TextSpan]], lines: Sequence[tuple[str, str, str]]) -> list[list[TextSpan]]:
    """In a call, a name in the seller's line is masked when the client said it: the seller
    repeating the client's name. Any other name a seller says is their own, a colleague's, or
    Whisper's garble at a capital («Афис» for «Офис»), and none is the client's personal data."""
    said = {lemma(w) for (text, speaker, _), spans in zip(lines, found) if speaker != "seller"
            for s in spans if s.type == "name" for w in re.findall(r"[а-яё]+", text[s.char_start:s.char_end].lower())}
    return [
        [s for s in spans if speaker != "seller" or s.type != "name"
         or {lemma(w) for w in re.findall(r"[а-яё]+", text[s.char_start:s.char_end].lower())} & said]
        for (text, speaker, _), spans in zip(lines, found)
    ]


_VOCATIVE_BEFORE = re.compile(r"(?:^|,)\s*$")
_NAME_CUE_BEFORE = re.compile(r"(?<![а-яё])(?:это|я|зовут|звать|фамилия|имя|запишите|записывайте)[\s,:—-]*$",
                              re.IGNORECASE)
_NAME_CUE_AFTER = re.compile(r"[\s,]*(?:зовут|звать)(?![а-яё])", re.IGNORECASE)  # «меня Фонс Курси зовут»
_SENTENCE_START = re.compile(r"(?:^|[.!?])\s*$")
# what a client is calling about: a thing, not a person («Я по поводу Ванврата», for «возврата»)
_ABOUT_BEFORE = re.compile(r"(?<![а-яё])(?:по поводу|насч[её]т|про)\s+$", re.IGNORECASE)
_QUESTION_WORD = re.compile(r"(?<![а-яё])(?:как\w*|что|сколько|когда|где|куда|почему|зачем|кто|почем)(?![а-яё])", re.IGNORECASE)


def _addressed(text: str, span: TextSpan) -> bool:
    """A one-word name in a client's line, not asked for, that is no client's: set off by commas in
    a question, the client addressing the seller («Анна, скажите, сколько…», «Слушайте, Глаздавка,
    во что обойдётся»; «…отметьте у себя, Матвей, …» is the client's own); opening a sentence with
    no name reading, Whisper's garble at a capital («Вформить все можно…»); a word no dictionary
    knows that nothing before it says is a name («мы тут в дачу Затейли»: «это», «я», «зовут»,
    «фамилия» would)."""
    said = text[span.char_start:span.char_end]
    if span.type != "name" or len(said.split()) != 1:
        return False
    if not in_dictionary(said.strip(".,!?-")) and not _NAME_CUE_BEFORE.search(text[:span.char_start]):
        return True  # a word no dictionary knows, named by nothing before it: «мы тут в дачу Затейли»
    opens = _SENTENCE_START.search(text[:span.char_start])
    asking = "?" in text or _QUESTION_WORD.search(text)
    return bool(asking and set_off_name(text, span, _VOCATIVE_BEFORE)) \
        or bool(opens) and not readings(said.strip(".,!?"))


def _garbled_at_capitals(text: str, span: TextSpan) -> bool:
    """A «name» the NER found in a client's line that answers no request for a name, none of whose
    words is a name in the dictionary and some of which no dictionary knows, with nothing around it
    that says it is one («это», «зовут»): Whisper's garble at a capital («Говрана Мампу», «Фонс Курси»), which
    the NER takes for a person by its capitals alone. The caller keeps it in a reply to a request
    for a name, unless it is what the client calls about («по поводу Ванврата»)."""
    if span.detector != NER_DETECTOR or span.type != "name":
        return False
    words = re.findall(r"[а-яё]+", text[span.char_start:span.char_end].lower())
    return bool(words) and not any(readings(w) for w in words) and any(not in_dictionary(w) for w in words) \
        and not _NAME_CUE_BEFORE.search(text[:span.char_start]) and not _NAME_CUE_AFTER.match(text[span.char_end:])


_TOWN_WORDS = 3  # at most, in the sentence Whisper cut off an address's start («Горо -каломна. Бульварь…»)


def _with_cut_off_start(text: str, span: TextSpan) -> TextSpan:
    """An address that opens its sentence, with the short sentence before it: Whisper cuts a
    dictated address into sentences, and the town before the street goes off on its own («гора.
    Душайлкова улица…», «Горо -каломна. Бульварь…» for «город Щёлково…», «город Коломна…»). That
    sentence has no verb and a word that is no lead-in."""
    if span.type != "address":
        return span
    tokens = tokenize(text)
    sentences = sentence_runs(text, tokens)
    at = next((n for n, sent in enumerate(sentences) if tokens[sent[-1]].end > span.char_start), None)
    if not at:
        return span
    opening = [tokens[k] for k in sentences[at] if tokens[k].end <= span.char_start]
    before = [tokens[k] for k in sentences[at - 1]]
    if any(not lead_in(t) for t in opening) or len(before) > _TOWN_WORDS or "?" in text[before[-1].end:span.char_start] \
            or all(lead_in(t) for t in before) or any(t.text.isalpha() and pos(t.text) in ("VERB", "INFN") for t in before):
        return span
    return TextSpan(span.type, before[0].start, span.char_end, span.detector)


def _same_sentence_before(text: str, span: TextSpan, number: TextSpan) -> bool:
    """The span comes before the number in the same sentence."""
    return span.char_end <= number.char_start and not re.search(r"[.!?]", text[span.char_end:number.char_start])


def detect_by_rules(lines: Sequence[tuple[str, str, str]], ignore: Iterable[str] = (),
                    call: bool = True) -> tuple[list[list[TextSpan]], list[str | None]]:
    """The rule detectors' spans in each (text, speaker, line before), the NER run once for all,
    and per line the type of the request a client's line answers. With `call`, the lines are one
    call in order: the dialogue detector reads the reply after a request, and a name in a seller's
    line counts when the client said it; without, each line stands alone with its line before (a
    labelled set of lines)."""
    ignore = tuple(ignore)
    keys = {ignore_key(t) for t in ignore}
    ner = ner_spans([text for text, _, _ in lines])
    dialogue, answered = _dialogue(lines, keys, call)
    found: list[list[TextSpan]] = []
    for (text, speaker, before), named, replied, answering in zip(lines, ner, dialogue, answered):
        spans = find_number_spans(text, before, speaker) + find_email_spans(text) + find_address_spans(text, ignore, before, speaker)
        names = find_name_spans(text, speaker, keys, named, before)
        asked = request(before)
        if speaker != "seller" and asked != "name":
            names = [n for n in names if not _addressed(text, n)]
        if speaker != "seller":
            names = [n for n in names if not _garbled_at_capitals(text, n)
                     or answering == "name" and not _ABOUT_BEFORE.search(text[:n.char_start])]
        if asked in NUMERIC_KINDS:  # «Серега у меня 61 ,14 номер 239» for «Серия…»: the number's own words garbled
            numbers = [s for s in spans + replied if s.type in NUMERIC_KINDS]
            names = [n for n in names if not any(_same_sentence_before(text, n, s) for s in numbers)]
        resolved = _resolve(spans + names + replied)
        found.append(_resolve([_with_cut_off_start(text, s) for s in resolved]) if speaker != "seller" else resolved)
    return (_echoed(found, lines) if call else found), answered


def ignored_words(ignore: Iterable[str]) -> set[str]:
    """The dictionary forms of every word of the ignore terms."""
    return {w for t in ignore for w in ignore_key(t)}


def with_added(text: str, spans: Sequence[TextSpan], added: Sequence[TextSpan], ignored: set[str]) -> list[TextSpan]:
    """A client's line's rule spans with the sentence model's spans added, but none of those made only
    of the company's, a product's or a seller's words."""
    return _resolve([*spans, *(s for s in added if not set(lemmas(text[s.char_start:s.char_end])) <= ignored)])


def with_sentences(lines: Sequence[tuple[str, str, str]], found: Sequence[list[TextSpan]], answered: Sequence[str | None],
                   ignore: Iterable[str], model: SentenceModel) -> list[list[TextSpan]]:
    """The rule spans with what the sentence model adds in the client's lines
    (`pipeline.privacy.sentence_model`; it was fitted on those, and a line of speaker `unknown` may
    be the seller's)."""
    ignored = ignored_words(ignore)
    return [with_added(text, spans, sentence_spans(text, spans, asked, model), ignored) if speaker == "client" else list(spans)
            for (text, speaker, _), spans, asked in zip(lines, found, answered)]


def detect_lines(lines: Sequence[tuple[str, str, str]], ignore: Iterable[str] = (), call: bool = True) -> list[list[TextSpan]]:
    """Personal data in each (text, speaker, line before): the rule detectors (`detect_by_rules`)
    and, in a call, the sentence model over the client's lines."""
    ignore = tuple(ignore)
    found, answered = detect_by_rules(lines, ignore, call)
    model = sentence_model()
    return with_sentences(lines, found, answered, ignore, model) if call and model is not None else found


def detect_line(text: str, speaker: str, before: str = "", ignore: Iterable[str] = ()) -> list[TextSpan]:
    """Personal data in one line of a call; `before` is the line before it."""
    return detect_lines([(text, speaker, before)], ignore, call=False)[0]


def placed(transcript: Transcript, found: Sequence[Sequence[TextSpan]]) -> list[PersonalSpan]:
    """Each line's spans placed in the call, with their seconds from the word timestamps."""
    out: list[PersonalSpan] = []
    for idx, (utt, spans) in enumerate(zip(transcript.utterances, found)):
        for span in spans:
            start, end = span_seconds(utt, span.char_start, span.char_end)
            out.append(PersonalSpan(span.type, idx, span.char_start, span.char_end, start, end, span.detector))
    return out


def call_lines(transcript: Transcript) -> list[tuple[str, str, str]]:
    """(text, speaker, the line before) of each utterance, as the detectors read a call."""
    utts = transcript.utterances
    return [(u.text, u.speaker, utts[i - 1].text if i else "") for i, u in enumerate(utts)]


def detect_personal_data(transcript: Transcript, ignore: Iterable[str] = ()) -> list[PersonalSpan]:
    """Every personal data span of a call, in call order, each with its seconds."""
    return placed(transcript, detect_lines(call_lines(transcript), ignore))
