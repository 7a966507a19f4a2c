"""A tiny complete phrase bank for a made-up bicycle workshop «Вело Мастер»: the worked
example of SPEC.md, and the bank the tests load.  One split (``fresh``), so every phrase
bank is a plain list.  Too few lines per bank for real calls (the generator says which
are short of SPEC.md's minimum counts); copy the shapes, not the size.
"""

from __future__ import annotations

SPLITS = ("fresh",)
STANDARD = None  # no standard written for this company: the generator skips the fact check

COMPANY = "Вело Мастер"
SELLERS = [("Тамара", "f"), ("Руслан", "m")]
CLIENTS = [("Филипп", "m"), ("Зоя", "f")]

PRODUCTS = {
    "tuning": {"nom": "настройка", "gen": "настройки", "acc": "настройку",
               "need": "нужна настройка", "unit": "bike"},
    "chain": {"nom": "цепь", "gen": "цепи", "acc": "цепь", "need": "нужна цепь", "unit": "piece"},
}
UNITS = {
    "bike": {"min": 1, "max": 6, "step": 1, "gender": "m",
             "forms": ("велосипед", "велосипеда", "велосипедов"), "after": ""},
    "piece": {"min": 2, "max": 12, "step": 1, "gender": "f", "forms": ("штука", "штуки", "штук"),
              "after": ""},
}
BUDGET = {"min": 3, "max": 40, "step": 1, "gender": "f", "forms": ("тысяча", "тысячи", "тысяч"),
          "after": "рублей"}
OBJECTS = [("горный велосипед", "горного велосипеда"), ("самокат", "самоката")]
CITIES = ["в Сосновке", "под Лугой"]
MEETING_TIMES = ["в среду к шести вечера", "в субботу часов в одиннадцать"]

GREET_HELLO = ["Приветствую", "Вечер добрый"]
GREET_COMPANY = ["мастерская {company}"]
GREET_NAME = ["на линии {name}"]
GREET_OFFER = ["что у вас случилось?"]
NO_GREETING = ["Да-да?"]

CLIENT_OPEN = ["Здравствуйте, мне {p_need} для {obj_gen}, сам{ca} не справляюсь."]

NEEDS = {
    "volume": (["Сколько у вас велосипедов в работу?"], ["Всего {qty}."]),
    "object": (["А что за техника у вас?"], ["Да {obj_acc} купили {city_in} прошлым летом."]),
    "timing": (["К какому дню хотите забрать?"], ["К выходным бы успеть."]),
    "budget": (["На какую сумму ориентируетесь?"], ["Ну, {budget} максимум."]),
    "payment": (["Платить как будете, картой или наличными?"], ["Картой, если можно."]),
}
SELLER_ACK = ["Угу, отметил{a}."]
CLIENT_ACK = ["Ага, понятно."]

PRESENTATION = ["Мы ставим только оригинальные запчасти, с ними ход мягче.",
                "Прошлой весной чинили точно такой же {obj_acc}, хозяин катается до сих пор."]
PRESENT_REACTION = ["Звучит надежно."]
MEETING = ["Заезжайте к нам {dt}, мастер сразу глянет. Вам так удобно?"]
MEETING_ACCEPT = ["Да, привезу."]
MEETING_CONFIRM = ["Записал{a} вас на это время."]
TRANSFER = ["Сейчас соединю вас с мастером Глебом, он как раз по подвескам, побудьте на линии."]
TRANSFER_REPLY = ["Жду."]

CLIENT_CLOSE = ["Ну все, теперь мне ясно, благодарю."]
FAREWELL = ["Спасибо, что обратились, всего хорошего!"]
CLIENT_BYE = ["И вам хорошего дня."]
ABRUPT_END = ["Ладно, это я понял{ca}."]
CLIENT_ONLY_BYE = ["Все, счастливо."]

FACTS = {
    "tuning_price": {
        "topic": "цена настройки велосипеда", "unit": "rub", "keywords": ["настройка", "стоит", "цена"],
        "expected": "1800",
        "correct": ["тысяча восемьсот рублей"],
        "wrong": [("2200", "две тысячи двести рублей"), ("1500", "полторы тысячи рублей")],
        "ask": ["А настройка сколько стоит?"],
        "answer": ["Настройка у нас {v}."],
    },
    "closing_time": {
        "topic": "до скольки открыта мастерская", "unit": "time", "keywords": ["до скольки", "открыты"],
        "expected": "21:00",
        "correct": ["до девяти вечера"],
        "wrong": [("19:00", "до семи вечера")],
        "ask": ["Вы до скольки открыты?"],
        "answer": ["Мастерская открыта {v}."],
    },
}
GENERIC_QA = [("А шлем у вас можно примерить?", "Да, примерочная прямо у входа.")]

HOLD_ANNOUNCE = ["Погодите, я загляну в журнал."]
AFTER_HOLD = ["Вот, отыскал{a} запись."]
DEAD_AIR_CLIENT = ["Эй, вы еще на проводе?"]
DEAD_AIR_EXCUSE = ["Простите, тут курьер зашел."]
RESUME = ["Ага."]
EVASIVE = ["Ой, понятия не имею, это не моя забота."]
EVASIVE_REACTION = ["Ну и ладно."]
SUBJECT_CHANGE = [("Кстати, кто будет забирать, как записать?", "{client_name}, так и запишите.")]

PASSED_AROUND = ["Меня уже дважды перекидывали с номера на номер."]
ASK_COLLEAGUE = ["А можно позвать мастера Глеба?"]
ABSENT_CALLBACK = ["Этого сотрудника сегодня не будет, давайте номер, вам перезвонят завтра утром."]
ABSENT_NO_CALLBACK = ["Этого сотрудника сегодня не будет."]
ABSENT_REACTION = ["А, ну ладно."]
BAD_TRANSFER = ["Щас переключу."]
