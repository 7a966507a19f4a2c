"""Does a line sound like the seller's or the client's? Judged by meaning, not by the voice.

In a two-voice call heard in one stream, voice prints alone cannot tell two close voices
apart; what is said can. A seller greets with the company's name, presents, names prices,
times and the address, proposes a meeting and books it; a client says what they need and
asks. Each line is compared (the sentence encoder of `checks.meaning`) with short generic
lines of each side, written for inbound sales calls of any trade, and with the standard's own
greeting (`greeting_score`, from the company's standard): the score is how much nearer it is
to the seller's side than to the client's. Lines both sides say («да», «до свидания») score
near 0 and leave the decision to the voice and to the dialogue's structure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

log = logging.getLogger(__name__)

SELLER_LINES = (
    "Добрый день, компания, меня зовут Анна, чем могу помочь?",
    "Здравствуйте, слушаю вас, чем могу быть полезен?",
    "Да, конечно, сейчас всё подскажу.",
    "Стоимость составит три тысячи рублей.",
    "Цена от пятисот рублей за штуку, со скидкой дешевле.",
    "Это у нас есть в наличии на складе.",
    "Мы работаем с девяти утра до восьми вечера без выходных.",
    "Мы находимся на улице Ленина, дом пять, рядом с метро.",
    "Могу предложить вам подъехать к нам завтра в десять утра.",
    "Давайте я запишу вас на удобное время.",
    "Всё, записал вас, будем ждать.",
    "Подскажите, для каких целей вам это нужно?",
    "Какой размер или объём вас интересует?",
    "Как я могу к вам обращаться?",
    "Оставьте ваш номер, я вам перезвоню.",
    "Извините за ожидание, я уточнил.",
    "Спасибо за звонок, будем рады вас видеть.",
    "Доставка бесплатная при заказе от десяти тысяч.",
    "Сделаем всё за два дня, гарантия год.",
    "Могу отправить вам предложение на почту.",
)

CLIENT_LINES = (
    "Я хотел узнать насчёт вашего товара.",
    "Мне нужно купить, подскажите, что есть.",
    "Меня интересует цена.",
    "Сколько это будет стоить?",
    "А где вы находитесь?",
    "А до скольки вы сегодня работаете?",
    "А доставка у вас есть?",
    "Я увидел ваше объявление в интернете.",
    "Да, мне подходит, давайте так.",
    "Хорошо, я подумаю и перезвоню.",
    "Что-то дороговато.",
    "Алло, вы меня слышите? Вы куда пропали?",
    "Спасибо, всё понятно, я всё узнал.",
    "А можно в субботу приехать?",
    "А сколько по времени это займёт?",
    "А гарантия у вас какая?",
    "Записывайте, мне удобно в четверг.",
    "У меня машина старая, нужен ремонт.",
)


@lru_cache(maxsize=1)
def _prototypes() -> tuple[np.ndarray, np.ndarray] | None:
    from checks.meaning.encoder import EncoderUnavailable, get_encoder

    try:
        encoder = get_encoder()
    except EncoderUnavailable as exc:  # no meaning: the voice and the structure decide alone
        log.warning("roles by meaning unavailable: %s", exc)
        return None
    return encoder.encode(list(SELLER_LINES)), encoder.encode(list(CLIENT_LINES))


def _side(similarities: np.ndarray) -> np.ndarray:
    # the mean of the two nearest lines of a side: one close line alone is often a chance wording
    top = np.sort(similarities, axis=1)[:, -2:]
    return top.mean(axis=1)


def seller_likeness(texts: Sequence[str], greeting_score: Callable[[str], float] = lambda _t: 0.0) -> np.ndarray:
    """Per line, about -0.3 (a client's) to +0.3 (a seller's); 0 where nothing tells."""
    out = np.zeros(len(texts))
    protos = _prototypes() if texts else None
    if protos is not None:
        from checks.meaning.encoder import get_encoder

        vectors = get_encoder().encode(list(texts))
        out = _side(vectors @ protos[0].T) - _side(vectors @ protos[1].T)
    # the standard's own greeting («компания X», its phrases): a sure sign of the one who answered
    return out + np.array([0.3 * min(1.0, greeting_score(t)) for t in texts])
