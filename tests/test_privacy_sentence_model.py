"""The sentence model over a client's lines (pipeline/privacy/sentence_model.py) and its fitting
(pipeline/privacy/fitting.py), on hand-built lines and rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.privacy.detect import detect_by_rules, detect_lines
from pipeline.privacy.fitting import CallRows, ClientLine, token_labels, fit_weights
from pipeline.privacy.evaluation import TruthItem
from pipeline.privacy.sentence_model import DETECTOR as SENTENCE_DETECTOR
from pipeline.privacy.sentence_model import (SentenceModel, line_features, masked_sentences, read_model,
                                             sentence_model)
from pipeline.privacy.spans import TextSpan
from tests.test_privacy_eval import call


def test_features_say_what_request_a_sentence_answers_and_where_it_stands() -> None:
    text = "Да, конечно. Кривошеина Вера. А доставка платная?"
    tokens, sentences, features = line_features(text, [], "name")
    assert [[tokens[i].raw for i in s] for s in sentences] == [["Да", "конечно"], ["Кривошеина", "Вера"],
                                                               ["А", "доставка", "платная"]]
    first, name, question = features
    assert first["first"] == 1.0 and first["asked_name"] == 1.0 and first["any_name_reading"] == 0.0
    assert name["any_name_reading"] == 1.0 and name["lead_share"] == 0.0 and name["name_reading@1"] == 0.0
    assert question["question"] == 1.0 and question["name_reading@-1"] == 1.0
    unasked = line_features(text, [], None)[2]
    assert all(f["asked"] == 0.0 and "asked*first" not in f for f in unasked)


def test_a_rule_span_shows_in_its_sentence_and_the_next() -> None:
    text = "Пишите. 8 916 555 12 34. Это мой."
    span = TextSpan("phone", text.index("8"), text.index("34") + 2, "numbers@6")
    features = line_features(text, [span], "phone")[2]
    assert [f["any_in_span"] for f in features] == [0.0, 1.0, 0.0]
    assert features[0]["in_span@1"] == 1.0 and features[2]["in_span@-1"] == 1.0


def test_features_count_the_digits_and_say_where_the_rules_spans_stand() -> None:
    text = "Он сам не может центральный период. Дом 45, корпус 5, квартира 73. А 46, 12, № 325, 95, 9."
    house = TextSpan("address", text.index("Дом"), text.index("73") + 2, "address@6")
    before, address, number = line_features(text, [house], "address")[2]
    assert before["span_starts_next"] == 1.0 and before["span_share"] == 0.0
    assert address["span_share"] == 1.0 and address["span_first"] == address["span_last"] == 1.0
    assert number["span_ends_previous"] == 1.0 and number["many_digits"] == 1.0 and address["many_digits"] == 0.0
    assert number["digits"] > address["digits"] > before["digits"] == 0.0


def _masked(text: str, chances: list[float], rules: list[TextSpan], asked: str | None) -> list[tuple[str, str]]:
    tokens, sentences, features = line_features(text, rules, asked)
    spans = masked_sentences(tokens, sentences, chances, rules, asked, 0.5, features)
    return [(s.type, text[s.char_start:s.char_end]) for s in spans]


def test_a_sentence_at_or_over_the_threshold_is_masked_whole_and_a_question_never() -> None:
    text = "Ну, ли они бторафцев, пишите. Она дома. А доставка в субботу будет?"
    assert _masked(text, [0.5, 0.1, 0.9], [], "name") == [("name", "Ну, ли они бторафцев, пишите")]
    assert _masked(text, [0.4, 0.1, 0.1], [], "name") == []


def test_a_question_with_a_rule_span_is_masked_whole_as_any_sentence() -> None:
    """Whisper writes «?» after a value dictated with a rising voice."""
    text = "Ага, слезовой, значит, 48 17 89 23 97 67 87 74?"
    card = TextSpan("card", text.index("48"), text.index("?"), "numbers@6")
    assert _masked(text, [0.9], [card], "card") == [("card", "Ага, слезовой, значит")]


def test_the_words_the_rules_left_in_clear_become_spans_beside_theirs_of_their_type() -> None:
    text = "Горо каломна, улица Ленина, дом 5, это мой, 8 916 555 12 34 он."
    street = TextSpan("address", text.index("улица"), text.index(", это"), "address@5")
    phone = TextSpan("phone", text.index("8 916"), text.index(" он"), "numbers@6")
    assert _masked(text, [0.9], [street, phone], None) == [
        ("address", "Горо каломна"), ("address", "это мой"), ("phone", "он")]


def test_a_sentence_whose_words_left_in_clear_are_lead_ins_stays_as_the_rules_found_it() -> None:
    text = "Значит, улица Садовая, дом 5."
    rule = TextSpan("address", text.index("улица"), len(text) - 1, "address@5")
    assert _masked(text, [0.9], [rule], None) == []


def test_a_sentence_the_rules_found_nothing_in_takes_the_requests_type_else_its_shape() -> None:
    assert _masked("Так, семь пять ноль.", [0.9], [], "card") == [("card", "Так, семь пять ноль")]
    assert _masked("Так, семь пять ноль.", [0.9], [], None)[0][0] == "phone"  # it has a number
    assert _masked("Так, лесная вера.", [0.9], [], None)[0][0] == "name"


def test_the_model_reads_its_weights_and_threshold(tmp_path: Path) -> None:
    model = SentenceModel({"bias": -1.0, "first": 3.0}, 0.6, "a, b")
    path = tmp_path / "m.json"
    path.write_text(json.dumps(model.to_json()), encoding="utf-8")
    back = read_model(path)
    assert back == model
    assert back.probability({"bias": 1.0, "first": 1.0}) > 0.85 > 0.3 > back.probability({"bias": 1.0})


def test_a_broken_model_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"weights": {"bias": "x"}}', encoding="utf-8")
    with pytest.raises(ValueError, match="broken.json"):
        read_model(path)


def test_a_model_of_another_detector_version_or_a_threshold_out_of_range_is_refused(tmp_path: Path) -> None:
    """Stored scans name the detector: weights fitted again under the same name would never be rescanned."""
    path = tmp_path / "m.json"
    old = {**SentenceModel({"bias": 0.0}, 0.5, "").to_json(), "detector": "sentence-model@0"}
    path.write_text(json.dumps(old), encoding="utf-8")
    with pytest.raises(ValueError, match="sentence-model@0"):
        read_model(path)
    path.write_text(json.dumps(SentenceModel({"bias": 0.0}, 1.5, "").to_json()), encoding="utf-8")
    with pytest.raises(ValueError, match="threshold"):
        read_model(path)


def test_the_bundled_model_masks_the_words_whisper_garbled_beside_a_number_and_leaves_the_question() -> None:
    """«слезовой» is Whisper's garble of the first words of a dictated card: the rules read the
    digits only; the model masks the sentence. The client's next sentence asks and carries none."""
    assert sentence_model() is not None
    text = "Ага, слезовой, значит, 48 17 89 23 97 67 87 74. А скидка будет?"
    lines = [("Номер карты продиктуете?", "seller", ""), (text, "client", "Номер карты продиктуете?"),
             ("Спасибо, записала. Когда удобно принять?", "seller", text)]
    (rules, _), found = detect_by_rules(lines), detect_lines(lines)
    assert [text[s.char_start:s.char_end] for s in rules[1]] == ["48 17 89 23 97 67 87 74"]
    assert [(s.type, text[s.char_start:s.char_end]) for s in found[1]] == [
        ("card", "Ага, слезовой, значит"), ("card", "48 17 89 23 97 67 87 74")]


def test_the_model_reads_only_the_clients_lines_and_the_request_closes_with_its_value() -> None:
    """A line of speaker `unknown` may be the seller's; after «Анна Петрова.» the name request is
    answered, so the order after it is read as no reply to it."""
    lines = [("Как вас зовут?", "seller", ""), ("Анна Петрова.", "client", "Как вас зовут?"),
             ("Бетон М300, двенадцать кубов.", "client", "Анна Петрова."),
             ("Ага, слезовой, значит, 48 17 89 23 97 67 87 74.", "unknown", "")]
    _, answered = detect_by_rules(lines)
    assert answered == [None, "name", None, None]
    # a line after an open number answers its request only where it goes on with the number
    number = [("Ваш телефон?", "seller", ""), ("8 916 555", "client", "Ваш телефон?"), ("Кубов двадцать.", "client", "8 916 555")]
    assert detect_by_rules(number)[1] == [None, "phone", None]
    found = detect_lines(lines)
    assert found[2] == [] and all(s.detector != SENTENCE_DETECTOR for s in found[3])


# --- fitting ---

def test_a_token_is_labelled_by_the_words_whisper_wrote_inside_an_items_seconds() -> None:
    # words every 0.35 s from 10.0: «Мой» «номер» «8» «916» «555» «12» «34»
    t = call(("seller", 0.0, "Ваш номер?"), ("client", 10.0, "Мой номер 8 916 555 12 34"))
    from pipeline.privacy.tokens import tokenize
    tokens = tokenize(t.utterances[1].text)
    item = TruthItem("phone", "8 916 555 12 34", "client", "planted", 10.7, 12.4)
    assert token_labels(t, 1, tokens, [item]) == [False, False, True, True, True, True, True]
    sellers = TruthItem("phone", "x", "seller", "planted", 10.7, 12.4)
    assert not any(token_labels(t, 1, tokens, [sellers]))


def test_fitting_learns_a_feature_that_tells_the_labels() -> None:
    def line(flag: float, label: bool) -> ClientLine:
        return ClientLine(0, "", [], [[0]], [{"bias": 1.0, "cue": flag, "noise": 0.5}], [label], [], None)

    rows = [line(1.0, True)] * 20 + [line(0.0, False)] * 20 + [line(1.0, False), line(0.0, True)]
    weights = fit_weights([CallRows("a", "a", None, [], "", [], set(), rows)])  # type: ignore[arg-type]
    model = SentenceModel(weights, 0.5, "")
    assert weights["cue"] > 2.0
    assert model.probability({"bias": 1.0, "cue": 1.0, "noise": 0.5}) > 0.8
    assert model.probability({"bias": 1.0, "cue": 0.0, "noise": 0.5}) < 0.2


def test_a_sentence_that_only_addresses_the_listener_by_name_is_left_as_the_rules_left_it() -> None:
    text = "Спасибо, Сергей, жду вашего звонка."
    rules = [TextSpan("name", text.index("Сергей"), text.index("Сергей") + 6, "natasha-ner@1.6.0+3")]
    assert _masked(text, [0.9], rules, None) == []
    # a name given in a reply to a request for it is the client's own, and the sentence is masked
    assert _masked(text, [0.9], rules, "name") == [("name", "Спасибо"), ("name", "жду вашего звонка")]
