"""A seller's request for personal data told by meaning, where its words name no topic.

The dialogue detector knows a request by its topic words («телефон», «адрес», «имя»). Sellers
also ask through the situation: «с кем я говорю?», «как мастеру вас найти?», «куда подъехать
водителю?». Such a line is compared by meaning (the sentence encoder of `checks.meaning`) with
example requests of each type, and with everyday lines and lines that name a topic without asking
for the client's own (the company's number, the order's number), which must stay unmatched. Each
type's threshold is calibrated from these references as a stage's is (`checks.meaning.index`), not
set by hand.

The examples were written for callqa from the ways people ask on the phone, not taken from the
generated calls that score the detector.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from checks.meaning.calls import text_vectors
from checks.meaning.encoder import get_encoder
from checks.meaning.index import MeaningIndex, build_index
from checks.meaning.neutral import NEUTRAL_LINES

REQUEST_EXAMPLES: dict[str, tuple[str, ...]] = {
    "name": (
        "Как вас зовут?", "Как к вам можно обращаться?", "Представьтесь, пожалуйста.",
        "Кто будет получать заказ?", "На кого оформить договор?", "Ваши фамилия, имя, отчество?",
        "Кого мне указать получателем?", "Как мне вас записать в заявке?", "Кто будет встречать мастера?",
        "А вы кто, простите?", "Как ваше имя?",
    ),
    "phone": (
        "Оставьте номер телефона.", "По какому номеру вам перезвонить?", "Как с вами связаться?",
        "Какой у вас мобильный?", "Куда вам позвонить, когда машина выйдет?", "Дайте контакт для связи.",
        "На какой номер прислать смс?", "Как водитель до вас дозвонится?", "Номер для связи какой?",
        "Продиктуйте ваш телефон, пожалуйста.",
    ),
    "address": (
        "Какой адрес доставки?", "Куда везти заказ?", "Где находится ваш объект?", "Куда приехать замерщику?",
        "Продиктуйте адрес.", "Где вы живете?", "Куда подъехать мастеру?", "Какая улица и номер дома?",
        "Где будет разгрузка?", "Куда доставить, в какой населенный пункт?",
    ),
    "card": (
        "Продиктуйте номер карты.", "Какой номер банковской карты?", "С какой карты будете платить, номер?",
        "Назовите цифры с лицевой стороны карты.", "Карту для оплаты продиктуйте.",
    ),
    "passport": (
        "Назовите серию и номер паспорта.", "Нужны ваши паспортные данные.", "Продиктуйте данные паспорта для договора.",
        "Какая у вас серия паспорта?", "Для оформления нужен документ, удостоверяющий личность.",
    ),
}

# lines that name a topic without asking for the client's own: the company's contacts, the order's
# number, what will happen, how payment works
NOT_REQUESTS: tuple[str, ...] = (
    "Наш телефон есть на сайте.", "Запишите наш номер.", "Наш адрес есть в сообщении.", "Мы находимся в центре города.",
    "Номер заказа придет в смс.", "Водитель вам позвонит за час до приезда.", "Я вам перезвоню завтра утром.",
    "Оплатить можно картой или наличными.", "Договор подпишем при встрече.", "Доставка по городу бесплатная.",
    "Меня зовут Анна, я менеджер.", "Мастер приедет в первой половине дня.", "Паспорт не нужен.",
    "Куда вам удобнее, в офис или на объект?", "Кто вам нас посоветовал?", "Как вы о нас узнали?",
    "Что вас интересует?", "Какой объем вам нужен?", "Когда вам удобно встретиться?",
    "Доставка вам нужна?", "Привезти или заберете сами?", "Когда вам удобно принять машину?",
    "Обращайтесь, всегда рады.", "До свидания, хорошего дня.", "Спасибо за звонок.", "Звоните, если что.",
    "Будем ждать вашего звонка.",
)


_GIVES = re.compile(r"\d")


@lru_cache(maxsize=1)
def request_index() -> MeaningIndex:
    return build_index(REQUEST_EXAMPLES, {}, (*NEUTRAL_LINES, *NOT_REQUESTS), get_encoder())


def requests_by_meaning(texts: Sequence[str]) -> list[str | None]:
    """The type of personal data each line asks for by meaning, or None ("" for a line not to try).
    A line with a number in it gives something («адрес такой: …, дом 12») rather than asks."""
    lines = text_vectors(["" if _GIVES.search(t) else t for t in texts])
    if not any(lines.units):
        return [None] * len(texts)
    index = request_index()
    return [found.label if (found := lines.match(index, i)) else None for i in range(len(texts))]
