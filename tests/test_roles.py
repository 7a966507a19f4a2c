"""Which channel is the seller: the one that answers the call."""

import pytest

from pipeline.records import Utterance
from pipeline.transcribe import ChannelText, assign_roles


def channel(i: int, *lines: tuple[float, str]) -> ChannelText:
    return ChannelText(i, tuple(Utterance("unknown", t, t + 2.0, text, channel=i) for t, text in lines), 0)


def greeting(text: str) -> float:
    return 90.0 if "добрый день" in text.lower() else 0.0


def test_the_channel_that_speaks_first_is_the_seller_even_when_the_client_greets():
    seller = channel(1, (0.5, "Приветствую вас, фирма Строй Дом, менеджер Степан."))
    client = channel(0, (7.4, "Да, добрый день, меня интересует утеплитель."))
    assert assign_roles([client, seller], "auto", greeting) == ("client", "seller")


def test_a_seller_who_only_says_allo_still_answered_the_call():
    seller = channel(0, (0.4, "Алло."))
    client = channel(1, (2.0, "Добрый день, мне нужен газобетон."))
    assert assign_roles([seller, client], "auto", greeting) == ("seller", "client")


def test_when_both_start_together_the_greeting_decides():
    client = channel(0, (0.50, "Алло?"))
    seller = channel(1, (0.70, "Добрый день, компания СтройДом."))
    assert assign_roles([client, seller], "auto", greeting) == ("client", "seller")


@pytest.mark.parametrize("mode, roles", [("seller,client", ("seller", "client")), ("client,seller", ("client", "seller"))])
def test_configured_layout_wins(mode, roles):
    first, second = channel(0, (5.0, "Да?")), channel(1, (0.5, "Добрый день"))
    assert assign_roles([first, second], mode, greeting) == roles


def test_mono_has_no_roles():
    assert assign_roles([channel(0, (0.5, "Добрый день"))], "auto", greeting) == ("unknown",)


def test_a_seller_whose_first_words_whisper_dropped_still_answered_first():
    # «Да, алло.» at 0.7 s was voice but no text; the client's words came at 2.9 s
    seller = ChannelText(0, (Utterance("unknown", 30.5, 32.0, "Так, а в каком количестве брать будете?", channel=0),), 0,
                         voice=((0.74, 1.87), (30.5, 32.0)))
    client = channel(1, (2.9, "Да, добрый день, меня интересует металлочерепица."))
    assert assign_roles([seller, client], "auto", greeting) == ("seller", "client")


def test_a_click_on_the_line_is_no_answer():
    seller = channel(1, (0.5, "Приветствую вас, фирма Строй Дом."))
    client = ChannelText(0, (Utterance("unknown", 7.4, 9.0, "Да, добрый день.", channel=0),), 0,
                         voice=((0.1, 0.2), (7.4, 9.0)))
    assert assign_roles([client, seller], "auto", greeting) == ("client", "seller")
