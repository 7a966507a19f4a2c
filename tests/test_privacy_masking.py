"""Masking by role: clear for a QA lead and an admin, labels for a coach and a seller (who keeps
their own name), in the transcript, quotes and the analysis JSON; the audio's tone."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.privacy.detect import detect_personal_data, ignore_terms
from pipeline.privacy.masking import mask_for_role, mask_json, mask_text, spans_to_mask
from pipeline.privacy.sentence_model import DETECTOR as SENTENCE_DETECTOR
from pipeline.privacy.spans import PersonalSpan
from pipeline.privacy.tone import tone_over
from tests.helpers import call

CALL = call(
    ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ольга, слушаю вас."),
    ("client", 4.0, "Здравствуйте, это Марина Кузнецова, мой телефон 8 916 555 12 34."),
    ("client", 9.0, "Спасибо, Сергей, жду вашего звонка."),
    ("client", 13.0, "Везите на улицу Садовая, дом 5, квартира 12."),
)
SPANS = detect_personal_data(CALL, ignore_terms("СтройДом"))


def lines(role: str, own_name: str | None = None) -> list[str]:
    return [u.text for u in mask_for_role(CALL, SPANS, role, own_name).utterances]


@pytest.mark.parametrize("role", ["qa_lead", "admin"])
def test_qa_lead_and_admin_read_the_call_in_clear(role: str) -> None:
    assert mask_for_role(CALL, SPANS, role) == CALL


@pytest.mark.parametrize("role", ["coach", "seller"])
def test_coach_and_seller_read_labels(role: str) -> None:
    masked = lines(role)
    assert masked[1] == "Здравствуйте, это [имя], мой телефон [телефон]."
    assert masked[3] == "Везите на [адрес]."
    assert masked[0] == CALL.utterances[0].text  # the seller's introduction was never personal data


def test_a_seller_keeps_their_own_name_and_a_coach_does_not() -> None:
    # the client thanks the seller by name: a seller Сергей sees it, a coach or another seller does not
    assert lines("seller", own_name="Сергей")[2] == "Спасибо, Сергей, жду вашего звонка."
    assert lines("coach", own_name="Сергей")[2] == "Спасибо, [имя], жду вашего звонка."
    assert lines("seller", own_name="Ольга")[2] == "Спасибо, [имя], жду вашего звонка."


def test_masked_words_keep_their_seconds() -> None:
    masked = mask_for_role(CALL, SPANS, "coach").utterances[1]
    texts = [w.text for w in masked.words]
    assert texts == ["Здравствуйте,", "это", "[имя]", "мой", "телефон", "[телефон]"]
    phone = masked.words[-1]
    assert (phone.start, phone.end) == (CALL.utterances[1].words[6].start, CALL.utterances[1].words[-1].end)


def test_quotes_and_the_analysis_json_are_masked_by_the_words() -> None:
    spans = spans_to_mask(SPANS, CALL, "coach")
    assert mask_text("клиент: 89165551234, Марина Кузнецова", CALL, spans) == "клиент: [телефон], [имя]"
    data = {"findings": [{"evidence": "мой телефон 8 916 555 12 34", "start": 6.0}],
            "transcript": [{"text": "Везите на улицу Садовая, дом 5, квартира 12."}], "score": 80}
    assert mask_json(data, CALL, spans) == {
        "findings": [{"evidence": "мой телефон [телефон]", "start": 6.0}],
        "transcript": [{"text": "Везите на [адрес]."}], "score": 80}


def test_every_role_of_the_review_app_has_a_rule() -> None:
    from pipeline.privacy.masking import CLEAR_ROLES, MASKED_ROLES
    from pipeline.storage.models import USER_ROLES

    assert CLEAR_ROLES | MASKED_ROLES == set(USER_ROLES) and not CLEAR_ROLES & MASKED_ROLES


def test_an_unknown_role_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown role 'guest'"):
        spans_to_mask(SPANS, CALL, "guest")


@pytest.mark.parametrize("rate", [8000, 16000])
@pytest.mark.parametrize("dtype", [np.float32, np.int16])
def test_tone_replaces_the_spans_samples_and_nothing_else(rate: int, dtype: type) -> None:
    rng = np.random.default_rng(0)
    audio = (rng.uniform(-0.5, 0.5, (rate * 3, 2)) * (1 if dtype is np.float32 else 20000)).astype(dtype)
    out = tone_over(audio, rate, [(1.0, 1.5)])
    a, b = rate, int(rate * 1.5)
    assert out.dtype == audio.dtype and out.shape == audio.shape
    np.testing.assert_array_equal(out[:a], audio[:a])
    np.testing.assert_array_equal(out[b:], audio[b:])
    assert not np.array_equal(out[a:b], audio[a:b])
    # the tone is a 1 kHz sine: its spectrum peaks there, on both channels
    spectrum = np.abs(np.fft.rfft(out[a:b, 0].astype(np.float64)))
    assert abs(np.argmax(spectrum) * rate / (b - a) - 1000) < 5
    np.testing.assert_array_equal(out[a:b, 0], out[a:b, 1])
    assert audio is not out


def test_tone_over_a_call_span_on_mono_audio() -> None:
    phone = next(s for s in SPANS if s.type == "phone")
    audio = np.zeros(16000 * 16, dtype=np.float32)
    out = tone_over(audio, 16000, [(phone.start, phone.end)])
    loud = np.flatnonzero(np.abs(out) > 0.01)
    assert phone.start <= loud[0] / 16000 and loud[-1] / 16000 <= phone.end


def test_tone_refuses_a_rate_it_cannot_play() -> None:
    with pytest.raises(ValueError, match="Nyquist"):
        tone_over(np.zeros(100, dtype=np.float32), 1500, [(0.0, 0.01)])


def test_spans_side_by_side_read_as_one_label_and_a_quote_of_either_is_masked() -> None:
    """The sentence model masks what the rules left in clear as spans of their own beside the
    rules' (pipeline/privacy/sentence_model.py): a reader sees one label, and a quote of the rules'
    words alone is still masked by them."""
    t = call(("seller", 0.0, "Ваш телефон?"), ("client", 4.0, "Ага, слезовой, значит, 8 916 555 12 34, это мой."))
    text = t.utterances[1].text

    def span(part: str, detector: str) -> PersonalSpan:
        a = text.index(part)
        return PersonalSpan("phone", 1, a, a + len(part), 4.0, 6.0, detector)

    spans = [span("Ага, слезовой, значит", SENTENCE_DETECTOR), span("8 916 555 12 34", "numbers@6"),
             span("это мой", SENTENCE_DETECTOR)]
    assert mask_for_role(t, spans, "coach").utterances[1].text == "[телефон]."
    assert mask_text("он сказал: 8 916 555 12 34", t, spans) == "он сказал: [телефон]"
    assert mask_text("слезовой", t, spans) == "[телефон]"
    # a piece of lead-ins only is no quote form, and a form is replaced as a whole word only
    assert mask_text("это мой телефон, а это его", t, spans) == "это мой телефон, а это его"


def test_a_quote_of_a_rule_spans_value_without_its_lead_in_is_masked_and_ordinary_words_are_not() -> None:
    t = call(("seller", 0.0, "Номер карты?"), ("client", 4.0, "Сейчас, значит 5469 6963 7421 1122, звоните после обеда."))
    text = t.utterances[1].text

    def span(part: str, kind: str, detector: str) -> PersonalSpan:
        a = text.index(part)
        return PersonalSpan(kind, 1, a, a + len(part), 4.0, 6.0, detector)

    spans = [span("значит 5469 6963 7421 1122", "card", "dialogue@3"), span("звоните после обеда", "card", SENTENCE_DETECTOR)]
    assert mask_text("карта 5469 6963 7421 1122", t, spans) == "карта [карта]"
    assert mask_text("Хорошо, привезём после обеда", t, spans) == "Хорошо, привезём после обеда"


def test_a_form_that_starts_with_no_word_character_is_found_after_a_letter() -> None:
    t = call(("client", 0.0, "Мой телефон +7 916 555 12 34."))
    text = t.utterances[0].text
    a = text.index("+7")
    spans = [PersonalSpan("phone", 0, a, a + len("+7 916 555 12 34"), 0.0, 2.0, "numbers@6")]
    assert mask_text("тел+7 916 555 12 34", t, spans) == "тел[телефон]"
