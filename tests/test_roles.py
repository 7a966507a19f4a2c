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
