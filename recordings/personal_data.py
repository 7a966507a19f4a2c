"""Fake personal data planted in generated calls (``generate_calls.py --personal-data``).

A planted exchange is the seller asking for something personal («Как к вам обращаться?», «На какой
номер перезвонить?», «Адрес доставки?») and the client saying it in a carrier sentence, or the
client offering it unasked.  Every value is random and only valid-looking: names from the lists
below, a mobile number from a Russian operator code, a card number that passes Luhn, a passport's
series and number, an address with a street, a house and often a flat.  Festival's Russian voice
reads no digits, so every number is written in words, in the ways people dictate them: digit by
digit, in groups («девятьсот шестнадцать, сто двадцать три…»), or mixed.

The carrier groups share no sentence: detectors are tuned on calls made with ``A`` (the bank's
demo and heldout splits) and scored on calls made with ``B`` (the fresh split); ``C``
(`carriers_blind.py`), ``D`` (`carriers_blind_d.py`), ``E`` (`carriers_blind_e.py`), ``F`` (`carriers_blind_f.py`), ``G``
(`carriers_blind_g.py`), ``H`` (`carriers_blind_h.py`), ``I`` (`carriers_blind_i.py`), ``J``
(`carriers_blind_j.py`), ``K`` (`carriers_blind_k.py`), ``L`` (`carriers_blind_l.py`), ``M``
(`carriers_blind_m.py`), ``N`` (`carriers_blind_n.py`; J to N each scored once on 2026-12-06), ``O``
(`carriers_blind_o.py`) and ``P`` (`carriers_blind_p.py`; each scored once on 2026-12-07) were written by
fourteen people who had seen only A and B, never the detectors nor each other's, and are
chosen with ``generate_calls.py --carriers C``.

An answer template is a list of pieces: plain text, or ``(type, value)`` for the personal data; the
generator speaks the pieces one by one, so the truth gets each value's seconds from the TTS
timeline, not from a guess by characters.
"""

from __future__ import annotations

import random
from typing import Union

from carriers_blind import CARRIERS_C
from carriers_blind_d import CARRIERS_D
from carriers_blind_e import CARRIERS_E
from carriers_blind_f import CARRIERS_F
from carriers_blind_g import CARRIERS_G
from carriers_blind_h import CARRIERS_H
from carriers_blind_i import CARRIERS_I
from carriers_blind_j import CARRIERS_J
from carriers_blind_k import CARRIERS_K
from carriers_blind_l import CARRIERS_L
from carriers_blind_m import CARRIERS_M
from carriers_blind_n import CARRIERS_N
from carriers_blind_o import CARRIERS_O
from carriers_blind_p import CARRIERS_P

Piece = Union[str, tuple[str, str]]  # text, or (type, the personal data as said)

MALE_FIRST = [
    "Александр", "Алексей", "Анатолий", "Антон", "Аркадий", "Богдан", "Валентин", "Василий",
    "Владимир", "Владислав", "Всеволод", "Геннадий", "Георгий", "Глеб", "Даниил", "Денис",
    "Егор", "Захар", "Игорь", "Илья", "Кирилл", "Леонид", "Максим", "Матвей", "Никита",
    "Пётр", "Роман", "Руслан", "Святослав", "Семён", "Станислав", "Фёдор", "Эдуард", "Юрий", "Ярослав",
]
FEMALE_FIRST = [
    "Алла", "Анастасия", "Антонина", "Валентина", "Варвара", "Вера", "Виктория", "Дарья",
    "Диана", "Евгения", "Жанна", "Зинаида", "Зоя", "Инна", "Ирина", "Карина", "Кристина",
    "Лидия", "Любовь", "Маргарита", "Мария", "Надежда", "Нина", "Полина", "Раиса", "Регина",
    "Римма", "София", "Таисия", "Тамара", "Ульяна", "Эльвира", "Яна", "Елизавета", "Милана",
]
# masculine forms; the feminine is made by `surname()`
SURNAMES = [
    "Абрамов", "Белов", "Борисов", "Воробьёв", "Гаврилов", "Голубев", "Горбунов", "Григорьев",
    "Давыдов", "Дмитриев", "Ершов", "Жуков", "Зайцев", "Зиновьев", "Исаев", "Калинин", "Карпов",
    "Киселёв", "Комаров", "Крылов", "Кудрявцев", "Лебедев", "Макаров", "Медведев", "Мельников",
    "Назаров", "Никитин", "Орлов", "Осипов", "Павлов", "Поляков", "Романов", "Рябов", "Сафонов",
    "Соболев", "Тарасов", "Тихонов", "Филиппов", "Фомин", "Шестаков", "Щербаков", "Яковлев",
    "Ковальский", "Вишневский", "Покровский", "Островский", "Лисицын", "Синицын",
]
MALE_PATRONYMIC = ["Петрович", "Сергеевич", "Андреевич", "Николаевич", "Игоревич", "Викторович",
                   "Олегович", "Юрьевич", "Павлович", "Михайлович"]
FEMALE_PATRONYMIC = ["Петровна", "Сергеевна", "Андреевна", "Николаевна", "Игоревна", "Викторовна",
                     "Олеговна", "Юрьевна", "Павловна", "Михайловна"]
# (a street's name as it goes with «улица», with «проспект»/«переулок»/«бульвар»); a name in the
# genitive («Ленина») is the same with both
STREETS = [
    ("Садовая", "Садовый"), ("Лесная", "Лесной"), ("Молодежная", "Молодежный"),
    ("Центральная", "Центральный"), ("Школьная", "Школьный"), ("Советская", "Советский"),
    ("Луговая", "Луговой"), ("Заречная", "Заречный"), ("Полевая", "Полевой"),
    ("Октябрьская", "Октябрьский"), ("Солнечная", "Солнечный"), ("Березовая", "Березовый"),
    ("Цветочная", "Цветочный"), ("Парковая", "Парковый"), ("Вокзальная", "Вокзальный"),
    ("Строителей", "Строителей"), ("Ленина", "Ленина"), ("Гагарина", "Гагарина"),
    ("Пушкина", "Пушкина"), ("Чехова", "Чехова"), ("Мира", "Мира"), ("Победы", "Победы"),
]
TOWNS = ["Подольск", "Серпухов", "Коломна", "Раменское", "Ногинск", "Щелково", "Дмитров",
         "Клин", "Пушкино", "Жуковский", "Электросталь", "Истра"]
VILLAGES = ["Ивановка", "Березки", "Сосновка", "Петровское", "Никольское", "Горки", "Ельники"]
OPERATOR_CODES = [903, 905, 906, 909, 910, 915, 916, 917, 925, 926, 929, 963, 965, 977, 985, 999]

_DIGITS = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
UNITS = ["", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
TEENS = ["десять", "одиннадцать", "двенадцать", "тринадцать", "четырнадцать", "пятнадцать",
         "шестнадцать", "семнадцать", "восемнадцать", "девятнадцать"]
TENS = ["", "", "двадцать", "тридцать", "сорок", "пятьдесят", "шестьдесят", "семьдесят",
        "восемьдесят", "девяносто"]
HUNDREDS = ["", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот",
            "восемьсот", "девятьсот"]


def below_1000(n: int) -> str:
    """0..999 in words, as a number is said («сто двадцать три»); 0 is «ноль»."""
    if n == 0:
        return "ноль"
    rest = n % 100
    tail = [TEENS[rest - 10]] if 10 <= rest <= 19 else [TENS[rest // 10], UNITS[rest % 10]]
    return " ".join(w for w in [HUNDREDS[n // 100], *tail] if w)


def group_words(group: str) -> str:
    """A dictated group of digits: leading zeros one by one («ноль пять»), the rest as a number."""
    rest = group.lstrip("0")
    zeros = ["ноль"] * (len(group) - len(rest))
    return " ".join(zeros + ([below_1000(int(rest))] if rest else []))


def digit_words(digits: str) -> str:
    return " ".join(_DIGITS[int(d)] for d in digits)


def say_groups(groups: list[str], rng: random.Random) -> str:
    """Groups of digits said one way for the whole number: each as a number, digit by digit, or mixed."""
    style = rng.choice(["number", "number", "digits", "mixed"])
    said = []
    for g in groups:
        by_digit = style == "digits" or (style == "mixed" and rng.random() < 0.5)
        said.append(digit_words(g) if by_digit or len(g) > 3 else group_words(g))
    return ", ".join(said) if rng.random() < 0.7 else " ".join(said)


def luhn_complete(body: str) -> str:
    """`body` with the check digit that makes it pass Luhn."""
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


def surname(masculine: str, female: bool) -> str:
    if not female:
        return masculine
    if masculine.endswith("ский"):
        return masculine[:-2] + "ая"
    return masculine + "а"


def random_name(rng: random.Random) -> tuple[str, bool]:
    """(the name as the client says it, female): a first name, with a surname or a patronymic."""
    female = rng.random() < 0.5
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    shape = rng.choice(["first", "first surname", "surname first", "first patronymic"])
    last = surname(rng.choice(SURNAMES), female)
    patr = rng.choice(FEMALE_PATRONYMIC if female else MALE_PATRONYMIC)
    said = {"first": first, "first surname": f"{first} {last}", "surname first": f"{last} {first}",
            "first patronymic": f"{first} {patr}"}[shape]
    return said.replace("ё", "е").replace("Ё", "Е"), female


def random_phone(rng: random.Random) -> tuple[str, str]:
    """(the digits, the number as said): «восемь, девятьсот шестнадцать, …» or «плюс семь …»."""
    code = str(rng.choice(OPERATOR_CODES))
    body = "".join(str(rng.randrange(10)) for _ in range(7))
    start = rng.choice(["8", "+7", ""])
    groups = [code, body[:3], body[3:5], body[5:]]
    lead = {"8": "восемь", "+7": "плюс семь", "": ""}[start]
    said = say_groups(groups, rng)
    digits = ("8" if start == "8" else "7" if start else "") + code + body
    return digits, f"{lead}, {said}" if lead and rng.random() < 0.6 else f"{lead} {said}".strip()


def random_card(rng: random.Random) -> tuple[str, str]:
    prefix = rng.choice(["4276", "5469", "2200", "4817", "5536"])
    digits = luhn_complete(prefix + "".join(str(rng.randrange(10)) for _ in range(11)))
    groups = [digits[i:i + 4] for i in range(0, 16, 4)]
    style = rng.choice(["pairs", "digits", "pairs"])
    if style == "digits":
        said = [digit_words(g) for g in groups]
    else:  # «сорок два, семьдесят шесть»: a four-digit group as two pairs
        said = [f"{group_words(g[:2])} {group_words(g[2:])}" for g in groups]
    return digits, ", ".join(said)


def random_passport(rng: random.Random) -> tuple[str, str, str]:
    """(digits, the series as said, the number as said)."""
    series = f"{rng.randrange(1, 99):02d}{rng.randrange(0, 25):02d}"
    number = f"{rng.randrange(100000, 1000000)}"
    said_series = f"{group_words(series[:2])} {group_words(series[2:])}"
    said_number = say_groups([number[:3], number[3:]], rng)
    return series + number, said_series, said_number


def random_address(rng: random.Random) -> str:
    feminine, masculine = rng.choice(STREETS)
    house = below_1000(rng.randrange(1, 120))
    flat = below_1000(rng.randrange(1, 300))
    kind = rng.choice(["улица", "улица", "проспект", "переулок", "бульвар"])
    street = feminine if kind == "улица" else masculine
    if feminine == masculine:  # «улица Ленина»: a genitive goes after its street word
        named = f"{kind} {street}"
    else:  # «улица Садовая» or «Садовая улица»
        named = f"{kind} {street}" if rng.random() < 0.7 else f"{street} {kind}"
    shape = rng.choice(["flat", "flat", "house", "corpus", "town", "village"])
    if shape == "village":
        return f"деревня {rng.choice(VILLAGES)}, {named}, дом {house}"
    if shape == "town":
        return f"город {rng.choice(TOWNS)}, {named}, дом {house}, квартира {flat}"
    if shape == "corpus":
        return f"{named}, дом {house}, корпус {below_1000(rng.randrange(1, 6))}, квартира {flat}"
    if shape == "house":
        return f"{named}, дом {house}"
    return f"{named}, дом {house}, квартира {flat}" if rng.random() < 0.6 else f"{named} {house}, квартира {flat}"


# carrier exchanges: (the seller's question, [the client's answer as pieces]); "{x}" is the value
CARRIERS: dict[str, dict[str, list[tuple[str, str]]]] = {
    "A": {
        "name": [("Как к вам обращаться?", "{x}."),
                 ("Подскажите, как вас зовут?", "Меня зовут {x}."),
                 ("На кого оформляем заказ?", "На меня, {x}."),
                 ("Как вас записать?", "Запишите, {x}.")],
        "phone": [("На какой номер вам перезвонить?", "Запишите, {x}."),
                  ("Оставьте, пожалуйста, номер телефона для связи.", "Мой номер {x}."),
                  ("Продиктуйте ваш мобильный.", "Да, {x}."),
                  ("", "Давайте я вам свой телефон оставлю, {x}.")],
        "address": [("Адрес доставки какой будет?", "{x}."),
                    ("Куда везти, продиктуйте адрес.", "Везите на {x}."),
                    ("Какой адрес объекта?", "Адрес такой, {x}.")],
        "card": [("Оплата картой, продиктуйте номер карты.", "Номер карты {x}."),
                 ("Можем выставить оплату на карту, какой номер?", "Пишите, {x}.")],
        "passport": [("Для договора нужны паспортные данные, серия и номер.", "Серия {s}, номер {n}."),
                     ("Назовите, пожалуйста, серию и номер паспорта.", "{s}, номер {n}.")],
    },
    "B": {
        "name": [("Скажите, как мне к вам обращаться?", "Зовите {x}."),
                 ("Простите, а вас как зовут?", "Я {x}."),
                 ("На чье имя оформить доставку?", "Оформляйте на имя {x}."),
                 ("", "Это {x} вас беспокоит.")],
        "phone": [("По какому номеру с вами связаться?", "Звоните на {x}."),
                  ("Номер телефона подскажите, пожалуйста.", "Записывайте, {x}."),
                  ("Куда прислать смс с номером заказа?", "На этот же номер, {x}."),
                  ("", "Если что, мой телефон {x}.")],
        "address": [("Куда доставляем, какой адрес?", "Адрес доставки, {x}."),
                    ("Подскажите адрес, куда приедет замерщик.", "Приезжайте на {x}."),
                    ("", "Привезти надо на {x}.")],
        "card": [("Для предоплаты назовите номер банковской карты.", "Карта {x}."),
                 ("Если удобно картой, продиктуйте номер.", "Сейчас, {x}.")],
        "passport": [("Мне для договора нужен ваш паспорт, серия и номер.", "Паспорт серии {s}, номер {n}."),
                     ("Продиктуйте паспортные данные, пожалуйста.", "Так, серия {s}, номер {n}.")],
    },
}
CARRIERS["C"] = CARRIERS_C
CARRIERS["D"] = CARRIERS_D
CARRIERS["E"] = CARRIERS_E
CARRIERS["F"] = CARRIERS_F
CARRIERS["G"] = CARRIERS_G
CARRIERS["H"] = CARRIERS_H
CARRIERS["I"] = CARRIERS_I
CARRIERS["J"] = CARRIERS_J
CARRIERS["K"] = CARRIERS_K
CARRIERS["L"] = CARRIERS_L
CARRIERS["M"] = CARRIERS_M
CARRIERS["N"] = CARRIERS_N
CARRIERS["O"] = CARRIERS_O
CARRIERS["P"] = CARRIERS_P
TYPE_WEIGHTS = {"name": 0.25, "phone": 0.3, "address": 0.2, "card": 0.12, "passport": 0.13}
GROUP_OF_SPLIT = {"demo": "A", "heldout": "A", "fresh": "B"}


def _pieces(template: str, values: dict[str, tuple[str, str]]) -> list[Piece]:
    """«Серия {s}, номер {n}.» → ["Серия ", ("passport", …), ", номер ", ("passport", …), "."]."""
    out: list[Piece] = []
    rest = template
    while "{" in rest:
        before, _, tail = rest.partition("{")
        key, _, rest = tail.partition("}")
        if before:
            out.append(before)
        out.append(values[key])
    if rest:
        out.append(rest)
    return out


def capitalised(pieces: list[Piece]) -> list[Piece]:
    first = pieces[0]
    if isinstance(first, str):
        return [first[0].upper() + first[1:], *pieces[1:]]
    kind, said = first
    return [(kind, said[0].upper() + said[1:]), *pieces[1:]]


def exchange(kind: str, group: str, rng: random.Random) -> tuple[str, list[Piece]]:
    """One planted exchange of `kind`: (the seller's question or "", the client's answer as pieces)."""
    question, answer = rng.choice(CARRIERS[group][kind])
    if kind == "passport":
        _, series, number = random_passport(rng)
        # series and number are one planted span: «номер» between them is the passport's too
        if "{s}, номер {n}" in answer:
            head, _, tail = answer.partition("{s}, номер {n}")
            return question, capitalised(_pieces(head + "{p}" + tail, {"p": ("passport", f"{series}, номер {number}")}))
        raise ValueError(f"passport carrier {answer!r} must hold «{{s}}, номер {{n}}»")
    said = {"name": lambda: random_name(rng)[0], "phone": lambda: random_phone(rng)[1],
            "card": lambda: random_card(rng)[1], "address": lambda: random_address(rng)}[kind]()
    return question, capitalised(_pieces(answer, {"x": (kind, said)}))


def pick_kinds(rng: random.Random, count: int) -> list[str]:
    """`count` different kinds (a seller asks each thing once), drawn by TYPE_WEIGHTS."""
    left = dict(TYPE_WEIGHTS)
    kinds = []
    for _ in range(min(count, len(left))):
        kind = rng.choices(list(left), weights=list(left.values()))[0]
        kinds.append(kind)
        del left[kind]
    return kinds
