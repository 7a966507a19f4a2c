"""Whether a line asks, by its words' meaning (`checks.meaning.asking`), and how the checks use it.
The lines are written for this test, not taken from any phrase bank."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from checks.analyze import analyze_transcript
from checks.meaning.asking import QuestionModel, question_model
from checks.meaning.calls import sentences_asking, text_vectors
from checks.meaning.encoder import MODEL_NAME
from checks.meaning.logistic import fit_logistic, sigmoid
from checks.meaning.question_fitting import auc, bank_sentences, main as fit_main
from checks.registry import CallContext
from checks.rules.answers import client_questions, seller_line_asks
from checks.standard import load_standard
from tests.helpers import call

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"
GREETING = ("seller", 0.0, "Добрый день, компания СтройДом, меня зовут Ирина, чем могу помочь?")


@pytest.fixture(scope="module")
def standard():
    return load_standard(DEMO)


def _probabilities(*lines: str) -> list[list[float | None]]:
    vectors = text_vectors(list(lines))
    return [[s.probability for s in sentences_asking(vectors, i, line)] for i, line in enumerate(lines)]


def test_the_bundled_model_reads_the_encoders_vectors_and_keeps_its_cutoffs_in_order():
    model = question_model()
    assert model.encoder == MODEL_NAME
    assert model.weights.shape == (512,)
    assert 0.0 < model.tells_below < model.asks_above < 1.0
    assert len(model.fitted_on) >= 2


def test_each_sentence_keeps_its_mark_and_a_short_one_gets_no_probability():
    vectors = text_vectors(["Алло? Хорошо, я тогда перезвоню завтра."])
    said = sentences_asking(vectors, 0, "Алло? Хорошо, я тогда перезвоню завтра.")
    assert [s.marked for s in said] == [True, False]
    assert said[0].probability is None  # one word: too little meaning to judge
    assert said[1].probability is not None and said[1].probability < question_model().tells_below


def test_the_words_decide_where_the_mark_misleads():
    model = question_model()
    [[tells]], [[asks]] = _probabilities("Я подумаю ещё, посоветуюсь с женой?"), _probabilities(
        "Доставка до дома у вас бесплатная или нет.")
    assert tells < model.tells_below < model.asks_above < asks


def test_a_line_asking_by_its_mark_alone_whose_words_tell_is_no_question(standard):
    transcript = call(GREETING, ("client", 5.0, "Нужен кирпич на забор."),
                      ("seller", 9.0, "Хорошо, подберём, приезжайте в пятницу."),
                      ("client", 13.0, "Я подумаю ещё, посоветуюсь с женой?"),
                      ("seller", 17.0, "Конечно, до свидания."))
    ctx = CallContext(transcript, standard)
    assert 3 not in client_questions(ctx)
    findings = analyze_transcript(transcript, standard).findings
    assert not [f for f in findings if f.type == "ignored_question"]


def test_a_line_whose_words_ask_is_a_question_without_its_mark_unless_it_replies_or_opens(standard):
    asks = CallContext(call(GREETING, ("client", 5.0, "Нужен газобетон на баню."),
                            ("seller", 9.0, "Хорошо, записала."),
                            ("client", 12.0, "Доставка до дома у вас бесплатная или нет."),
                            ("seller", 16.0, "А что будете строить?")), standard)
    assert 3 in client_questions(asks)
    # the client's first line says why they call, whatever its words sound like
    opening = CallContext(call(GREETING, ("client", 5.0, "Доставка до дома у вас бесплатная или нет."),
                               ("seller", 9.0, "А что будете строить?")), standard)
    assert 1 not in client_questions(opening)
    replies = CallContext(call(GREETING, ("client", 5.0, "Нужен газобетон."),
                               ("seller", 9.0, "Как оплачивать будете?"),
                               ("client", 12.0, "Если можно, картой, в рассрочку.")), standard)
    assert 3 not in client_questions(replies)


def test_the_cutoff_takes_a_question_whose_words_ask_less_clearly_than_most():
    # 0.58 by the words: under the 2% cut-off (0.63), over the 2.5% one the model is fitted with now
    # (on the truth's words of 13 companies with every «?» taken out it found two questions more and
    # nothing false)
    [[p]] = _probabilities("А если я много возьму, цену подвинете")
    assert question_model().asks_above < p < 0.63


def test_a_sellers_question_without_its_mark_asks(standard):
    ctx = CallContext(call(GREETING, ("client", 5.0, "Сколько стоит доставка?"),
                           ("seller", 9.0, "А вы у нас раньше что-нибудь покупали.")), standard)
    assert seller_line_asks(ctx, 2)
    assert not seller_line_asks(ctx, 0) or "?" in ctx.transcript.utterances[0].text


def test_bank_sentences_fill_slots_drop_gender_endings_and_keep_the_mark(tmp_path):
    bank = tmp_path / "demo.py"
    bank.write_text('SELLER = ["Записал{a} вас, всё хорошо. А {product} у вас для дома?"]\n'
                    'SHORT = ["Да. Нет?"]\n', encoding="utf-8")
    assert bank_sentences(bank) == [("а это у вас для дома", True), ("записал вас все хорошо", False)]


def test_a_file_that_is_no_bank_is_named(tmp_path):
    bad = tmp_path / "broken.py"
    bad.write_text("LINES = [", encoding="utf-8")
    with pytest.raises(SystemExit, match="broken.py"):
        bank_sentences(bad)


def test_fitting_leaves_each_bank_out_and_writes_a_model_that_ranks_questions_first(tmp_path, capsys):
    questions = ["сколько стоит доставка до дачи", "а где вы находитесь", "когда можно подъехать к вам",
                 "есть ли скидка для пенсионеров", "до скольки вы работаете в субботу", "а гарантия какая на это"]
    statements = ["мы строим баню на участке", "нам нужно к концу месяца", "я посоветуюсь с женой сначала",
                  "спасибо вам большое за помощь", "хорошо договорились тогда", "у нас бюджет небольшой совсем"]
    for k in range(2):
        lines = [f"{q.capitalize()}?" for q in questions[k::2]] + [f"{s.capitalize()}." for s in statements[k::2]]
        (tmp_path / f"bank{k}.py").write_text(f"LINES = {json.dumps(lines, ensure_ascii=False)}\n", encoding="utf-8")
    out = tmp_path / "model.json"
    assert fit_main([str(tmp_path / "bank0.py"), str(tmp_path / "bank1.py"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "bank0: 6 sentences, 3 asking; left out, AUC" in printed and "bank1:" in printed
    model = QuestionModel.from_json(json.loads(out.read_text(encoding="utf-8")), out)
    assert model.fitted_on == ("bank0", "bank1")
    [[q]], [[s]] = _probabilities_with(model, "А доставка сколько стоит?"), _probabilities_with(model, "Мы строим баню на участке.")
    assert q > s


def _probabilities_with(model: QuestionModel, line: str) -> list[list[float]]:
    return [[float(p) for p in model.probabilities(text_vectors([line]).rows(0))]]


def test_one_bank_is_too_few_to_leave_out(tmp_path):
    (tmp_path / "only.py").write_text('LINES = ["А где вы находитесь?"]\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="two banks"):
        fit_main([str(tmp_path / "only.py"), "--out", str(tmp_path / "m.json")])


def test_a_model_file_without_its_fields_is_named(tmp_path):
    path = tmp_path / "question_model.json"
    with pytest.raises(ValueError, match="question_model.json"):
        QuestionModel.from_json({"encoder": MODEL_NAME}, path)


def test_the_logistic_fit_finds_the_telling_column_and_auc_counts_ties_half():
    rng = np.random.default_rng(7)
    signal = rng.normal(size=400)
    x = np.column_stack([signal, rng.normal(size=400), np.ones(400)])
    y = (signal + 0.3 * rng.normal(size=400) > 0).astype(float)
    w = fit_logistic(x, y, np.array([1.0, 1.0, 1e-3]))
    assert w[0] > 3 * abs(w[1])
    assert ((sigmoid(x @ w) > 0.5) == y.astype(bool)).mean() > 0.85
    assert auc(np.array([0.9, 0.5, 0.5]), np.array([True, True, False])) == pytest.approx(0.75)


def test_a_reply_to_the_sellers_question_whose_words_tell_asks_nothing_whatever_its_question_word(standard):
    lines = (GREETING, ("client", 5.0, "Нужен газобетон на баню."),
             ("seller", 9.0, "Приезжайте к нам в офис в субботу к десяти, вам удобно?"),
             ("client", 14.0, "Какая разница, постараюсь не опаздывать."))
    assert 3 not in client_questions(CallContext(call(*lines), standard))
    # the same words as the client's own line tell too, with no «?»; with one they are left to the rules
    own = (GREETING, ("client", 5.0, "Нужен газобетон на баню."),
           ("seller", 9.0, "Хорошо, записала."),
           ("client", 14.0, "Какая разница, постараюсь не опаздывать."))
    assert 3 not in client_questions(CallContext(call(*own), standard))
    marked = own[:3] + (("client", 14.0, "Какая разница? Постараюсь не опаздывать."),)
    assert 3 in client_questions(CallContext(call(*marked), standard))
