"""Which of a client's sentences carry personal data, weighed from labelled calls (`sentence-model@6`).

The rule detectors each read one way of saying a thing; Whisper's garble and a client's own
phrasing («мама у меня зой, да и увлевна», «меня от повсматривай зовут») fall between them. This
layer looks at each sentence of a client's line with what the rules and the dialogue say about it:
the request the line answers, whether its words or the neighbouring sentences' are in a rule's
span and how much of it, the shapes of its words (a number, a word no dictionary knows, a name
reading, a capital inside the sentence), how many digits it holds, their parts of speech, and where
it stands in the reply. A logistic model over these features, fitted on generated calls with
planted personal data (`python -m pipeline.privacy.fitting`), gives each sentence a probability; a
sentence at or over the model's threshold is masked whole: the words the rules left in clear in it
become spans beside theirs, or, where the rules found nothing and it asks nothing, it is one span.
A sentence, not a word: Whisper's garble of a name is any word at all («ли они бторафцев» for
«Леонид Тарасов»), and what a seller or coach needs from the sentence that dictates personal data
is that it did. The weights and the threshold are data (`sentence_model.json`), fitted and
calibrated, not set by hand. The layer only adds: what the rules found stays masked.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pipeline.privacy.addresses import is_place_word
from pipeline.privacy.dialogue import NUMERIC_KINDS, PERSON_NOUNS, PRONOUNS, RECEIVING, lead_in, sentence_runs
from pipeline.privacy.morph import garbled_person_name, geographic, imperative, in_dictionary, lemma, pos, readings
from pipeline.privacy.numbers import garbled_number_word
from pipeline.privacy.spans import TextSpan, set_off_name
from pipeline.privacy.tokens import Token, is_number, runs_between, tokenize

DETECTOR = "sentence-model@6"  # a version per fit: stored scans name it, and a new one is rescanned
MODEL_PATH = Path(__file__).with_name("sentence_model.json")
_KINDS = ("name", "phone", "address", "card", "passport")
_POS = ("NOUN", "ADJF", "VERB", "INFN", "PREP", "CONJ", "PRCL", "NPRO", "ADVB", "NUMR")
# what a word's neighbours say, at these offsets within its sentence
_NEIGHBOURS = (-2, -1, 1, 2)
# a client dictating: «пишите, …», «запишите на …», «укажите …»
_WRITING = frozenset({"писать", "записать", "записывать", "указать", "оформить", "оформлять", "выписать"})
_AFTER_WRITING = 3  # words after the verb that it may be dictating
# a number said with one of these after it is a sum: «250 тысяч рублей»
_SUMS = frozenset({"рубль", "тысяча", "миллион", "процент", "доллар", "евро"})
_MANY_DIGITS = 7  # the fewest digits of a phone number without its code


def _shape(text: str, tok: Token, first: bool) -> dict[str, float]:
    alpha = tok.text.isalpha()
    part = pos(tok.text) if alpha else None
    f = {
        "number": float(is_number(tok) or garbled_number_word(tok)),
        "unknown": float(alpha and not in_dictionary(tok.text)),
        "name_reading": float(alpha and bool(readings(tok.text))),
        "surname_end": float(alpha and garbled_person_name(tok.text)),
        "capital_inside": float(tok.raw[:1].isupper() and not first),
        "lead_in": float(lead_in(tok)),
        "place_word": float(alpha and len(tok.text) > 1 and is_place_word(tok.text)),
        "geographic": float(alpha and geographic(tok.text)),
        "pronoun": float(tok.text in PRONOUNS or tok.text in ("меня", "мне")),
        "person_noun": float(alpha and lemma(tok.text) in PERSON_NOUNS),
        "short": float(len(tok.text) <= 2),
        "hyphen_suffix": float(text[max(0, tok.start - 1):tok.start] == "-"),
    }
    for p in _POS:
        f[f"pos_{p}"] = float(part == p)
    return f


def _dictating(tok: Token) -> bool:
    return tok.text.isalpha() and lemma(tok.text) in _WRITING and imperative(tok.text)


def _token_features(text: str, tokens: list[Token], asked: str | None) -> tuple[list[list[int]], list[dict[str, float]]]:
    """The sentences (token indices) of a line and each token's features."""
    sentences = sentence_runs(text, tokens)
    where = {i: (n, k, sent) for n, sent in enumerate(sentences) for k, i in enumerate(sent)}
    shapes = [_shape(text, t, where[i][1] == 0) for i, t in enumerate(tokens)]
    out = []
    for i in range(len(tokens)):
        n, _, sent = where[i]
        f = dict(shapes[i])
        for d in _NEIGHBOURS:
            j = i + d
            inside = j in where and where[j][0] == n
            for key in ("number", "unknown", "name_reading", "lead_in", "pronoun", "person_noun"):
                f[f"{key}_{d}"] = float(inside and shapes[j][key] > 0)
        f["before_zvat"] = float(any(lemma(tokens[j].text) == "звать" for j in sent if i < j <= i + 3))
        f["after_writing"] = float(any(_dictating(tokens[j]) for j in sent if i - _AFTER_WRITING <= j < i))
        for key in ("unknown", "name_reading", "number"):
            f[f"after_writing*{key}"] = f["after_writing"] * f[key]
        f["receiving"] = float(tokens[i].text.isalpha() and lemma(tokens[i].text) in RECEIVING)
        f["price"] = float(shapes[i]["number"] > 0 and i + 1 < len(tokens) and tokens[i + 1].text.isalpha()
                           and lemma(tokens[i + 1].text) in _SUMS)
        if asked is not None:
            for key in ("unknown", "name_reading", "number", "pos_NOUN", "capital_inside", "surname_end"):
                f[f"asked*{key}"] = f[key]
            f["asked_numeric*number"] = float(asked in NUMERIC_KINDS and shapes[i]["number"] > 0)
            f["asked_address*place"] = float(asked == "address" and (shapes[i]["place_word"] or shapes[i]["number"]) > 0)
        out.append(f)
    return sentences, out


# what a sentence's neighbours say
_NEIGHBOUR_KEYS = ("in_span", "number", "place_word", "unknown", "name_reading")


def line_features(text: str, spans: Sequence[TextSpan],
                  asked: str | None) -> tuple[list[Token], list[list[int]], list[dict[str, float]]]:
    """A client's line's tokens, its sentences (token indices) and each sentence's features, given
    the rule spans found in the line and the type of the request it answers (None: none)."""
    tokens = tokenize(text)
    sentences, per_token = _token_features(text, tokens, asked)
    out = []
    for n, sent in enumerate(sentences):
        words = [per_token[i] for i in sent]
        inside = _rule_spans_in([tokens[i] for i in sent], spans)
        digits = sum(c.isdigit() for i in sent for c in tokens[i].text)
        covered = [_in_a_span(tokens[i], inside) for i in sent]
        f = {"bias": 1.0, "any_in_span": float(bool(inside)), "span_share": sum(covered) / len(sent),
             "span_first": float(covered[0]), "span_last": float(covered[-1]),
             # a phone, a card or a passport has seven digits or more, however Whisper groups them
             # («46, 12, № 325, 95, 9»), where the rules need them asked for or in one run
             "digits": min(digits, _MANY_DIGITS * 2) / (_MANY_DIGITS * 2), "many_digits": float(digits >= _MANY_DIGITS),
             "first": float(n == 0), "second": float(n == 1), "length": min(len(sent), 20) / 20,
             "lead_share": sum(w["lead_in"] for w in words) / len(words)}
        last = sent[-1]
        f["question"] = float("?" in text[tokens[last].end:tokens[last + 1].start if last + 1 < len(tokens) else len(text)])
        f["addressing"] = float(bool(inside) and all(set_off_name(text, s, _SET_OFF_BEFORE) for s in inside))
        f.update({f"any_{k}": max(w.get(k, 0.0) for w in words) for k in sorted({k for w in words for k in w})})
        f["asked"] = float(asked is not None)
        for kind in _KINDS:
            f[f"asked_{kind}"] = float(asked == kind)
        if asked is not None:
            f["asked*first"] = f["first"]
            f["asked*question"] = f["question"]
        out.append(f)
    for n, f in enumerate(out):
        for d in (-1, 1):
            if 0 <= n + d < len(out):
                for key in _NEIGHBOUR_KEYS:
                    f[f"{key}@{d}"] = out[n + d][f"any_{key}"]
        # Whisper ends a sentence inside a dictated value: «…не может центральный период. Дом 45…»
        f["span_starts_next"] = out[n + 1]["span_first"] if n + 1 < len(out) else 0.0
        f["span_ends_previous"] = out[n - 1]["span_last"] if n > 0 else 0.0
    return tokens, sentences, out


@dataclass(frozen=True)
class SentenceModel:
    weights: dict[str, float]
    threshold: float
    trained_on: str

    def probability(self, features: dict[str, float]) -> float:
        z = sum(self.weights.get(k, 0.0) * v for k, v in features.items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict[str, object]:
        return {"detector": DETECTOR, "threshold": self.threshold, "trained_on": self.trained_on,
                "weights": dict(sorted(self.weights.items()))}


def read_model(path: Path) -> SentenceModel:
    """The fitted model; an error names the file and the field."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = SentenceModel({str(k): float(v) for k, v in data["weights"].items()}, float(data["threshold"]),
                              str(data.get("trained_on", "")))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: not a sentence model ({exc!r})") from None
    if data.get("detector") != DETECTOR:
        # stored scans name the detector: a model fitted again must bump DETECTOR, or no call is rescanned
        raise ValueError(f"{path}: detector {data.get('detector')!r}, but this code is {DETECTOR!r}")
    if not 0.0 < model.threshold <= 1.0:
        raise ValueError(f"{path}: threshold {model.threshold} is not in (0, 1]")
    return model


@lru_cache(maxsize=1)
def sentence_model() -> SentenceModel | None:
    """The bundled model, or None before one is fitted."""
    return read_model(MODEL_PATH) if MODEL_PATH.exists() else None


# what may stand before a name the client addresses: the line's or a sentence's start, or a comma
_SET_OFF_BEFORE = re.compile(r"(?:^|[,.!?…]\s*)$")


def _kind_of(asked: str | None, numeric: bool) -> str:
    """A sentence's type: the request's, else a number's or a name's."""
    if asked is not None:
        return asked
    return "phone" if numeric else "name"


def _rule_spans_in(words: Sequence[Token], spans: Sequence[TextSpan]) -> list[TextSpan]:
    return sorted((s for s in spans if s.char_start < words[-1].end and words[0].start < s.char_end),
                  key=lambda s: s.char_start)


def _in_a_span(tok: Token, spans: Sequence[TextSpan]) -> bool:
    return any(s.char_start < tok.end and tok.start < s.char_end for s in spans)


def _left_in_clear(words: Sequence[Token], inside: Sequence[TextSpan]) -> list[list[Token]]:
    """The runs of a sentence's words that no rule span covers."""
    return runs_between(words, lambda t: _in_a_span(t, inside))


def _type_beside(run: Sequence[Token], inside: Sequence[TextSpan]) -> str:
    """The type of the rule span before a run, or of the one after it where none is before."""
    before = [s for s in inside if s.char_end <= run[0].start]
    return (before[-1] if before else inside[0]).type


def masked_sentences(tokens: Sequence[Token], sentences: Sequence[Sequence[int]], chances: Sequence[float],
                     spans: Sequence[TextSpan], asked: str | None, cut: float,
                     features: Sequence[dict[str, float]]) -> list[TextSpan]:
    """Spans that mask the whole of each sentence whose chance is at or over `cut`. Where the rules
    found something in the sentence (a question too: Whisper writes «?» after a value dictated with a
    rising voice), each run of words they left in clear becomes a span of the type of the rule span
    before it (after it, at the sentence's start), so the rule spans stay as they were (a quote of «8 916 555 12 34» is still masked by
    its own words); a sentence whose words left in clear are all lead-ins («Мой телефон
    [телефон]») gives nothing away and stays as it was. Where the rules found nothing, the
    sentence is one span, of the request's type, or else a number's (phone) or a name's, unless it
    is a question (what a client asks is what a coach reviews). A sentence whose only rule spans
    address the listener by name («Спасибо, Сергей, жду звонка»), outside a reply to a request for
    a name, says nothing more of anyone and stays as it was."""
    out = []
    for sent, chance, f in zip(sentences, chances, features):
        question = f["question"] > 0
        if chance < cut or f["addressing"] > 0 and asked != "name":
            continue
        words = [tokens[i] for i in sent]
        inside = _rule_spans_in(words, spans)
        if not inside and question:
            continue
        if not inside:
            numeric = any(is_number(t) for t in words)
            out.append(TextSpan(_kind_of(asked, numeric), words[0].start, words[-1].end, DETECTOR))
            continue
        runs = _left_in_clear(words, inside)
        if any(not lead_in(t) for run in runs for t in run):
            out += [TextSpan(_type_beside(run, inside), run[0].start, run[-1].end, DETECTOR) for run in runs]
    return out


def spans_of_sentences(tokens: Sequence[Token], sentences: Sequence[Sequence[int]], features: Sequence[dict[str, float]],
                       spans: Sequence[TextSpan], asked: str | None, model: SentenceModel, cut: float) -> list[TextSpan]:
    """`masked_sentences` for a line whose `line_features` are known, the model weighing them."""
    chances = [model.probability(f) for f in features]
    return masked_sentences(tokens, sentences, chances, spans, asked, cut, features)


def sentence_spans(text: str, spans: Sequence[TextSpan], asked: str | None, model: SentenceModel) -> list[TextSpan]:
    """Spans of a client's line's sentences the model masks."""
    tokens, sentences, features = line_features(text, spans, asked)
    return spans_of_sentences(tokens, sentences, features, spans, asked, model, model.threshold)
