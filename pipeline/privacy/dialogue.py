"""Personal data found by the dialogue's structure, whatever Whisper made of the words.

Whisper garbles what a client dictates: a name it does not know becomes ordinary words («дымил с
облиф» for «Даниил Соболев»), a number loses digits or gains a word. The dictionary and NER
detectors then miss it, but the call still says where it is, as redaction systems for call centres
use: when the seller asks for something personal (a name, a phone, an address, a card, a passport)
the client's reply that follows carries it; and a client who offers it says so first («меня зовут…»,
«мой телефон…», «живу на…», «карта…»). So:

- a **request** is a seller's line that asks (a question mark, a request verb such as «подскажите»,
  «продиктуйте», «оставьте», or a question word) about a topic, told by dictionary forms: «имя»,
  «звать», «обращаться» are a name; «телефон», «мобильный», «перезвонить», «номер» (with no order or
  contract by it) a phone; «адрес», or «куда» with a verb of delivery, an address; «карта» a card;
  «паспорт», «серия» a passport; «почта» an e-mail;
- the **reply** is the client's lines after it, up to the seller's next line longer than a
  backchannel («Так», «Записываю»); a **cue** is a topic word in the client's own line;
- the **value** is what follows the reply's lead-in («Да, конечно, пишите,» «На меня,» «Мой номер»:
  particles, conjunctions, pronouns, verbs, the topic's own words) to the end of the sentence, and,
  for a number or an address, on into the next sentence or line while that one goes on with digits
  or house words;
- a value counts only when it looks like its type: a number has three digits or more, a name is a
  few words with a name reading or a word no dictionary knows, an address has a number, a street
  word, a capital or an unknown word. «Сейчас посмотрю» or «А зачем?» after a request is nothing.

Who a client names, by structure and morphology rather than by the words Whisper heard (dialogue@3):
the words before «на связи» or «вас беспокоит» are the speaker's own name; the words after a
person noun set off by a comma («на жену, …», «да, хозяйка, …») are that person's name; after «…
будет забирать/встречать» the clause is the receiver's name unless it is a common noun in the
nominative («бригада»); a word no dictionary knows with a surname's or a patronymic's ending, or
with a capital inside its sentence, reads as a name, and a nominative pronoun ends one; a line that
agrees and says only a first name gives it. A request is decided by the line's last question (the
seller may have moved on), and a name never starts with a verb in the present.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from pipeline.privacy.addresses import is_place_word, names_a_street
from pipeline.privacy.morph import (addresses_listener, cannot_be_name, case_of, finite_verb, garbled_person_name, geographic,
                                    imperative, in_dictionary, lemma, lemmas, pos, readings)
from pipeline.privacy.numbers import garbled_number_word, garbled_tail, repetition_loop, said_digits, short_of_digits
from pipeline.privacy.spans import TextSpan
from pipeline.privacy.tokens import Token, cut, gap, is_number, tokenize

DETECTOR = "dialogue@7"

# the topic of a request or a cue, by dictionary form; the first type whose words a line has wins,
# so «номер карты» is a card and «номер телефона» a phone
_TOPICS: tuple[tuple[str, frozenset[str]], ...] = (
    ("passport", frozenset({"паспорт", "паспортный", "серия"})),
    ("card", frozenset({"карта", "карточка"})),
    ("email", frozenset({"почта", "email", "мейл", "имейл", "емейл", "электронка"})),
    ("phone", frozenset({"телефон", "мобильный", "сотовый", "перезвонить", "позвонить", "связаться", "смс",
                         "номерок", "контакт", "контактный", "дозвониться", "набрать"})),
    ("address", frozenset({"адрес"})),
    ("name", frozenset({"имя", "звать", "обращаться", "фамилия", "отчество", "представиться", "фио"})),
)
# a number tied to these is no personal data: «номер заказа», «номер договора»
_OTHER_NUMBER = frozenset({"заказ", "заявка", "договор", "счёт", "счет", "артикул", "накладная", "накладный", "чек", "код",
                           "промокод", "квартира", "дом", "офис"})
# «… будет» with one of these names who receives the goods: a person
RECEIVING = frozenset({"забирать", "забрать", "получать", "получить", "принимать", "принять", "встречать"})
# «куда» with one of these asks where the goods go: an address
_DELIVERY = frozenset({"доставить", "доставлять", "доставка", "везти", "привезти", "отвезти", "подъехать",
                       "приехать", "выехать", "отправить", "доставляем"})
_ASKING = frozenset({"подсказать", "сказать", "назвать", "продиктовать", "диктовать", "оставить", "уточнить",
                     "записать", "дать", "написать", "сообщить", "напомнить", "нужный", "нужно", "надо"})
# verbs of writing a person down: «как вас указать»
_PUTTING_DOWN = frozenset({"указать", "записать", "внести", "вписать", "отметить"})
_QUESTION = frozenset({"какой", "куда", "как", "кто", "чей", "где"})
# words that lead into a value without being part of it, beyond what their part of speech says
_LEAD_LEMMAS = frozenset({"номер", "данные", "такой", "вот", "значит", "ладно", "окей", "ок", "хорошо",
                          "пожалуйста", "сейчас", "минутка", "секунда", "секундочка", "момент", "записать",
                          "алло", "добрый", "день", "вечер", "утро", "привет"} | {w for _, ws in _TOPICS for w in ws})
_LEAD_POS = frozenset({"PRCL", "CONJ", "INTJ", "PREP", "NPRO", "PRED", "ADVB", "ADJS"})
NUMERIC_KINDS = frozenset({"phone", "card", "passport"})  # the kinds read as numbers
# what a number counts when it is no flat's: «квартира 50 метров»
_MEASURES = frozenset({"метр", "квадрат", "квадратный", "кв", "этаж", "комната", "градус", "рубль", "тысяча",
                       "процент", "штука", "год"})
# the seller's line that does not end the client's reply: «Так.», «Угу, записываю.»
_BACKCHANNEL_WORDS = 3
# words after its lead-in beyond which a reply with no name in it is a sentence, not a name
_NAME_SENTENCE_WORDS = 4
# beyond this, a reply with no name reading at all, garbled words or not, says something else
_LONG_SENTENCE_WORDS = 7
_REPLY_LINES = 3
# who a client names a person as before the name («на жену, Анну Петрову», «да, хозяйка, Ирина»):
# the name is the apposition after it
PERSON_NOUNS = frozenset({"жена", "муж", "супруг", "супруга", "брат", "сестра", "сын", "дочь", "дочка", "мама",
                           "мать", "папа", "отец", "тёща", "теща", "свекровь", "зять", "невестка", "сосед", "соседка",
                           "хозяин", "хозяйка", "владелец", "владелица", "покупатель", "получатель", "друг",
                           "подруга", "бабушка", "дедушка", "родственник", "родственница", "коллега", "знакомый",
                           "знакомая", "начальник", "начальница"})
# a pronoun in the nominative starts a new clause: no name goes on into it («…фантон я вам звонила»)
PRONOUNS = frozenset({"я", "ты", "он", "она", "оно", "мы", "вы", "они"})
# words of a name at most, where only the dialogue's structure says where it is
_NAME_WORDS = 4
# words a client's line says after their own name to say who is speaking: «Тамара на связи», «Иван
# вас беспокоит»
_SELF_AFTER = frozenset({"беспокоить"})
_CLAUSE_END = re.compile(r"[,.!?…;:]")
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?…])\s*$")
# verbs that ask the listener for their name without a question mark: «Представьтесь», and
# «Представьте, пожалуйста» where Whisper dropped its «-сь»
_INTRODUCE = frozenset({"представиться", "представить"})
# a reply that opens with these agrees to what was asked
_AGREEING = frozenset({"да", "конечно", "хорошо", "ага", "угу", "пожалуйста", "давайте", "ладно", "окей", "ок"})


@dataclass(frozen=True)
class Line:
    text: str
    speaker: str


def _lemmas(tokens: Sequence[Token]) -> list[str]:
    return [lemma(t.text) if t.text.isalpha() else t.text for t in tokens]


def other_number(text: str) -> bool:
    """Whether a line is about a number that is no personal data: «номер заказа», «номер договора»."""
    words = set(_lemmas(tokenize(text)))
    return "номер" in words and bool(words & _OTHER_NUMBER) and not words & {"телефон", "мобильный", "смс", "карта", "паспорт"}


def _records(tokens: Sequence[Token]) -> set[str]:
    """A card that is a record, not a bank's: «в карточке клиента», «в карточку»; where the seller
    writes the client down."""
    return {"карта", "карточка"} & {
        lemma(t.text) for k, t in enumerate(tokens)
        if (k and tokens[k - 1].text in ("в", "во")) or (k + 1 < len(tokens) and lemma(tokens[k + 1].text) == "клиент")}


def topic(text: str) -> str | None:
    """What personal data a line is about, by its words' dictionary forms, or None."""
    if other_number(text):
        return None
    tokens = tokenize(text)
    words = set(_lemmas(tokens)) - _records(tokens)
    for kind, stems in _TOPICS:
        if words & stems:
            return kind
    if "как" in words and any(t.text == "вас" for t in tokens) and words & _PUTTING_DOWN:
        return "name"  # «Как мне вас в карточке клиента указать?», «Как вас записать?»
    if "пожалуйста" in words and any(lemma(t.text) == "представить" and imperative(t.text) for t in tokens):
        # «Представьте, пожалуйста, для заявки»: Whisper's «Представьтесь» without its «-сь»; a
        # polite request, not «Представьте, какая экономия»
        return "name"
    if "кто" in words:
        return "name"  # «На кого оформляем заказ?», «Кто будет принимать?»: a person
    if "куда" in words and words & _DELIVERY:
        return "address"
    if "номер" in words:
        return "phone"  # «На какой номер вам перезвонить?», «Какой номер?» with nothing else by it
    return None


def request(text: str) -> str | None:
    """The type of personal data a seller's line asks for, or None: it must ask (a question mark, a
    request verb, a question word) and have a topic; «меня зовут Анна» introduces the seller."""
    kind = topic(text)
    if kind is None:
        return None
    tokens = tokenize(text)
    words = _lemmas(tokens)
    if kind == "name" and introduces_self(words):
        return None  # «меня зовут Анна», «моё имя Евгений»: the seller introduces themselves
    # Whisper drops question marks and garbles the verb («продиктумите ваши мобильные»): «ваш»
    # by the topic asks too
    asks = "?" in text or bool(set(words) & (_ASKING | _QUESTION | {"ваш"})) \
        or any(w in _INTRODUCE and imperative(t.text) for w, t in zip(words, tokens))
    if not asks:
        return None
    asked_last = _last_question(text, tokens, words)
    if asked_last is None:
        return kind
    # the line's last question says what is asked, whatever the line told before it: none of ours
    # («Адрес пришлю сообщением. Объём какой нужен?»), or another («Телефон записала. А адрес какой?»)
    return topic(asked_last)


def _last_question(text: str, tokens: list[Token], words: list[str]) -> str | None:
    """The text of the line's last sentence that asks (a question mark or a question word)."""
    for sent in reversed(sentence_runs(text, tokens)):
        if _question(text, tokens, sent[-1]) or {words[i] for i in sent} & _QUESTION:
            return text[tokens[sent[0]].start:tokens[sent[-1]].end]
    return None


def lead_in(tok: Token) -> bool:
    """A word that leads into a value: «да», «конечно», «пишите», «на меня», «мой номер»."""
    if is_number(tok) or not tok.text.isalpha() or tok.text == "плюс":
        return False
    if lemma(tok.text) in _LEAD_LEMMAS or tok.text in ("мой", "моя", "мое", "свой", "наш", "этот", "же"):
        return True
    return in_dictionary(tok.text) and (pos(tok.text) in _LEAD_POS or addresses_listener(tok.text))


def _initial(text: str, tok: Token) -> bool:
    """The token opens its sentence (a capital there says nothing)."""
    return bool(_SENTENCE_START_RE.search(text[:tok.start]))


def _name_like(text: str, tok: Token) -> bool:
    """A word that reads as a person's name: a name reading in the dictionary, a word no dictionary
    knows with a surname's or patronymic's ending («трявцева», «териламдерамич»), or a word no
    dictionary knows with a capital inside its sentence («хозяйка, Зинист»)."""
    return bool(readings(tok.text)) or garbled_person_name(tok.text) or (
        tok.raw[:1].isupper() and not in_dictionary(tok.text) and not _initial(text, tok))


def sentence_runs(text: str, tokens: list[Token]) -> list[list[int]]:
    """Token indices cut where a sentence ends (. ! ? …)."""
    return cut(text, tokens, lambda between: any(c in ".!?…" for c in between))


def _question(text: str, tokens: list[Token], last: int) -> bool:
    """Whether the sentence ending at token `last` ends with a question mark."""
    after = text[tokens[last].end:tokens[last + 1].start if last + 1 < len(tokens) else len(text)]
    return "?" in after


def _continues(kind: str, tokens: Sequence[Token]) -> bool:
    """Whether a sentence goes on with a value of this kind: a number or an address's next part."""
    first = [t for t in tokens if not lead_in(t) or lemma(t.text) in ("номер", "серия")][:2 if kind in NUMERIC_KINDS else 1]
    if not first:
        return False
    if kind in NUMERIC_KINDS:
        # the number goes on, maybe after a word Whisper made of its first digits («Мали девять»),
        # or with a number word Whisper garbled («Шестьдесят. Восемнель…» for «…восемь ноль»)
        return any(is_number(t) or garbled_number_word(t) or lemma(t.text) in ("номер", "серия") for t in first)
    if kind == "address":
        return is_number(first[0]) or _place_word(first[0].text)
    return False


def _place_word(word: str) -> bool:
    return len(word) > 1 and is_place_word(word)


def _plausible(kind: str, tokens: Sequence[Token], asked: bool) -> bool:
    """Whether the words look like a value of this kind at all. A name asked for may be any
    noun-like words (Whisper writes a name it does not know as ordinary ones: «крыло» for
    «Крылова»); a name after a client's own cue needs a name reading or a word no dictionary knows."""
    if kind in NUMERIC_KINDS:
        return said_digits(tokens) >= 3 and not repetition_loop(" ".join(t.raw for t in tokens))
    words = [t for t in tokens if t.text.isalpha()]
    if kind == "name":
        if not 0 < len(tokens) <= 5 or not words or any(_says_what(t.text) for t in words) or _about_a_thing(words):
            return False  # «меня интересует утеплитель», «Напаков заеду», «Жена будет дома»: what, not who
        if asked:
            return any(not in_dictionary(t.text) or pos(t.text) not in _LEAD_POS for t in words)
        return any(readings(t.text) or not in_dictionary(t.text) for t in words)
    if kind == "address":
        return any(is_number(t) or _place_word(t.text) or t.raw[:1].isupper() or not in_dictionary(t.text)
                   for t in tokens)
    if kind == "email":
        return any(t.text in ("собака", "точка") or not in_dictionary(t.text) for t in tokens)
    return False


def _about_a_thing(words: Sequence[Token]) -> bool:
    """A preposition and a noun the dictionary knows with no name reading: «звонил, знать про
    утеплитель» tells what the client wants, not who they are («на Полякову» is a name; a short
    noun is more likely a name's syllables Whisper split: «за хар» for «Захар»)."""
    return any(in_dictionary(a.text) and pos(a.text) == "PREP" and len(b.text) >= 5 and in_dictionary(b.text)
               and pos(b.text) == "NOUN" and not readings(b.text) for a, b in zip(words, words[1:]))


def _says_what(word: str) -> bool:
    """A verb of the present or future, or an imperative, that no name reads as: a name or a place
    has none (an infinitive may be Whisper's garble of a name: «лисить» for «Лисицын»)."""
    return not readings(word) and (finite_verb(word) or in_dictionary(word) and imperative(word))


def _says_something_else(text: str, name: Sequence[Token], sentence_words: int) -> bool:
    """A reply that goes on for a whole sentence with no name reading and no word a dictionary does
    not know in its first words («Добрый вечер, я бы хотела приобрести…» after «Алло, это кто?») is
    about something else; a garbled name is short («крыло, оригина») or has garble in it, and a long
    sentence with no name reading is about something else whatever its garble."""
    words = [t for t in name if t.text.isalpha()]
    if sentence_words > _LONG_SENTENCE_WORDS:  # «Мы тут коттедж в зателе, и нам нужны пилы материалы»
        return not any(_name_like(text, t) for t in words)
    return sentence_words > _NAME_SENTENCE_WORDS and all(in_dictionary(t.text) and not readings(t.text) for t in words)


def _with_split_syllables(text: str, body: Sequence[Token], k: int) -> int:
    """Where a name starts, with up to two words of a letter or two right before it that Whisper
    split off it («А на стасе рябого» for «Анастасия Рябова»); a preposition before a name heard
    whole («на Полякову») is masked with it, which hides nothing the seller needs."""
    start = k
    while start > 0 and k - start < 2 and len(body[start - 1].text) <= 2 and body[start - 1].text.isalpha() \
            and not gap(text, body[start - 1], body[start]).strip():
        start -= 1
    return start


def _carrier(tok: Token) -> bool:
    """A word of the sentence that carries a number, not Whisper's garble of its first digits:
    «пишите», «мой номер», «да»; a conjunction or a preposition right before the digits («Запишите
    или струк 29…» for «…девятьсот двадцать девять…») is more likely garble."""
    return lead_in(tok) and not (in_dictionary(tok.text) and pos(tok.text) in ("CONJ", "PREP"))


def _short(kind: str, tokens: Sequence[Token]) -> bool:
    return short_of_digits(kind, said_digits(tokens))


def _from_number(text: str, body: list[Token], k: int, kind: str) -> list[Token]:
    """A number's value starts at its first digit, with up to two words right before it that are
    no carrier words and no punctuation apart: Whisper's garble of the first digits. When the
    number is short of digits, a carrier-like word right before it («номер сделаю 26, 3…» for
    «…девять два шесть…») is more likely those digits than a carrier."""
    first = next((j for j in range(k, len(body))
                  if is_number(body[j]) or garbled_number_word(body[j]) or body[j].text == "плюс"), k)
    start = first
    short = _short(kind, body[first:])
    while start > 0 and first - start < 2 and not gap(text, body[start - 1], body[start]).strip() \
            and not (_carrier(body[start - 1]) and not (short and start == first and _garble_like(body[start - 1]))):
        start -= 1
    return body[start:]


def _garble_like(tok: Token) -> bool:
    """A word that may be Whisper's garble of digits: no lead-in by its dictionary form, no
    preposition or conjunction."""
    return lemma(tok.text) not in _LEAD_LEMMAS and pos(tok.text) not in ("CONJ", "PREP", "NPRO", "PRCL")


def _trim(kind: str, text: str, tokens: list[Token]) -> list[Token]:
    """The value's own words: a number ends at its last digit or garbled word («…45 67, это
    мобильный» stops at 67); a name stops at a comma that a lead-in word follows («Андрей, а
    когда…») and takes four words at most."""
    if kind in NUMERIC_KINDS:
        last = max((i for i, t in enumerate(tokens) if is_number(t) or not in_dictionary(t.text)), default=-1)
        if 0 <= last < len(tokens) - 1 and len(tokens[last + 1].text) <= 3 and tokens[last + 1].text.isalpha() \
                and not gap(text, tokens[last], tokens[last + 1]).strip():
            last += 1  # «…36, 74 на»: a short word right after the last digits is Whisper's last digit
        if last >= 0 and _short(kind, tokens[:last + 1]):
            # «…номер 580. Один на лесе»: words that go straight on are the missing digits garbled;
            # after a comma («…34 5, это мобильный») the client says something else
            last = garbled_tail(text, tokens, last)
        return tokens[:last + 1]
    if kind == "name":
        out = tokens[:1]
        for prev, t in zip(tokens, tokens[1:]):
            # «Андрей, а когда…» ends at the comma; «завитие, лисить сентябр» (for «Зовите, Лисицын
            # Пётр») has no name yet, so what follows the comma is still the garbled name
            named = any(_name_like(text, w) for w in out)
            if "," in gap(text, prev, t) and lead_in(t) and named or is_number(t) or t.text in PRONOUNS:
                break  # «…, она платить будет», «грегория фантон я вам звонила»: the next clause
            out.append(t)
        return out[:4]
    return tokens


@dataclass
class _Value:
    """A value being read: its type and whether it may go on in the next line."""

    kind: str
    open: bool = False


def _value_in(kind: str, text: str, tokens: list[Token], start: int, asked: bool) -> tuple[TextSpan | None, bool]:
    """The value from token `start` on: skip the lead-in, take the sentence (and the sentences that
    go on with it). Returns the span and whether it ran to the line's end (it may go on in the
    next line)."""
    sentences = [[i for i in s if i >= start] for s in sentence_runs(text, tokens)]
    sentences = [s for s in sentences if s]
    for n, sent in enumerate(sentences):
        body = [tokens[i] for i in sent]
        if _question(text, tokens, sent[-1]):
            continue  # «А доставка на дом бесплатная?»: the client asks back, no value
        k = next((j for j, t in enumerate(body) if not lead_in(t)), None)
        if k is None:
            continue  # «Да, конечно.»: the value is in the next sentence
        if kind in NUMERIC_KINDS and not said_digits(body):
            said = text[body[0].start:body[-1].end]
            if topic(said) not in (None, kind):
                return None, False  # «Адрес, запишите…»: the client has gone on to another matter
            continue  # «Дайте номер соседки. Она ключи передаст. 925…»: what comes before the digits
        if kind == "name":
            named = _apposition(text, tokens, sent[k], asked)
            if named is not None:
                return TextSpan(kind, named[0].start, named[-1].end, DETECTOR), False
            k = _with_split_syllables(text, body, k)
        value = _from_number(text, body, k, kind) if kind in NUMERIC_KINDS else body[k:]
        for nxt in sentences[n + 1:]:
            if not _continues(kind, [tokens[i] for i in nxt]):
                break
            value += [tokens[i] for i in nxt]
        whole = len(value)
        value = _trim(kind, text, value)
        if not value or not _plausible(kind, value, asked) or kind == "name" and _says_something_else(text, value, whole):
            return None, False
        if kind == "address" and not any(is_number(t) or _place_word(t.text) for t in value):
            if not any(_proper(text, t) for t in value) or any(_says_what(t.text) for t in value):
                return None, False  # «адрес подскажется», «Оформляйте на дачу», «Восколько вы закрываете…»: no place named
            kind = "place"  # «живу в Подольске»: a town, no street or house
        return TextSpan(kind, value[0].start, value[-1].end, DETECTOR), value[-1] is tokens[-1]
    return None, False


def _proper(text: str, tok: Token) -> bool:
    """A word that may name a place: a town by the dictionary, or a word with a capital inside its
    sentence or that no dictionary knows, which is no verb by its form («подскажется»)."""
    return geographic(tok.text) or (
        (not in_dictionary(tok.text) or tok.raw[:1].isupper() and not _initial(text, tok)) and not cannot_be_name(tok.raw))


def _clause(text: str, tokens: Sequence[Token], start: int) -> list[Token]:
    """The words from `start` to the clause's end (a comma, a sentence's end, a pronoun that opens
    the next clause), at most _NAME_WORDS."""
    out: list[Token] = []
    for k in range(start, min(start + _NAME_WORDS, len(tokens))):
        if tokens[k].text in PRONOUNS or out and _CLAUSE_END.search(gap(text, tokens[k - 1], tokens[k])):
            break
        out.append(tokens[k])
    return out


def _apposition(text: str, tokens: Sequence[Token], at: int, asked: bool) -> list[Token] | None:
    """«Выписывайте на жену, Анну Петрову, она платить будет», «Да, хозяйка, Ирина»: a person noun
    at `at` set off by a comma or a sentence's end, and the words after it to the clause's end are
    the name, however Whisper garbled them («на жену, и над ними дведев»). They must look like one:
    asked for, some word no lead-in or a capital inside the sentence; unasked, a word that reads
    as a name or no dictionary knows. None when no apposition («на жену, она платить будет»)."""
    if lemma(tokens[at].text) not in PERSON_NOUNS or at + 1 >= len(tokens) \
            or not re.search(r"[,.!…]", gap(text, tokens[at], tokens[at + 1])):
        return None
    name = _clause(text, tokens, at + 1)
    if not name or is_number(name[0]) or lemma(name[0].text) in PERSON_NOUNS:
        return None
    if asked:
        looks = any(not lead_in(t) or t.raw[:1].isupper() and not _initial(text, t) for t in name)
    else:
        looks = any(_name_like(text, t) or not in_dictionary(t.text) for t in name)
    return name if looks else None


def _name_before(text: str, tokens: Sequence[Token], at: int) -> TextSpan | None:
    """«Алло, добрый день, Георгий, на связи», «Это Иван вас беспокоит»: the words before the cue
    at `at` back to a comma or a sentence's end, at most three, without lead-ins at either end
    («добрый день», «вас»), are the client's own name, however Whisper garbled it («медведя
    ввозили на связи»)."""
    end = at - 1
    if end < 0 or re.search(r"[.!?…]", gap(text, tokens[end], tokens[at])):
        return None
    while end >= 0 and lead_in(tokens[end]) and not _CLAUSE_END.search(gap(text, tokens[end], tokens[end + 1])):
        end -= 1
    if end < 0:
        return None
    start = end
    while start > 0 and end - start < 2 and not _CLAUSE_END.search(gap(text, tokens[start - 1], tokens[start])):
        start -= 1
    while start <= end and (lead_in(tokens[start]) or tokens[start].text in PRONOUNS):
        start += 1
    if start > end or is_number(tokens[end]):
        return None
    return TextSpan("name", tokens[start].start, tokens[end].end, DETECTOR)


# whose name «зовут» tells, in the accusative: «меня», «его», «её»
_NAMED = frozenset({"я", "он", "она"})


def _named_around_zvat(text: str, tokens: list[Token], words: Sequence[str], at: int) -> TextSpan | None:
    """The name beside «зовут» at `at` in the other word orders of speech: after «зовут меня»
    («зовут меня Зоя Юрьевна»), or between the pronoun and «зовут» («меня зойя зовут», «её Анной
    зовут»), at most three words in one clause, however Whisper garbled them."""
    if at + 1 < len(tokens) and words[at + 1] in _NAMED and not _CLAUSE_END.search(gap(text, tokens[at], tokens[at + 1])):
        return _value_in("name", text, tokens, at + 2, asked=True)[0]
    for j in range(at - 2, max(-1, at - 5), -1):
        if words[j] in _NAMED:
            between = tokens[j + 1:at]
            if any(_CLAUSE_END.search(gap(text, a, b)) for a, b in zip(tokens[j:at], tokens[j + 1:at + 1])):
                return None
            if all(lead_in(t) for t in between) or any(is_number(t) for t in between):
                return None
            return TextSpan("name", between[0].start, between[-1].end, DETECTOR)
    return None


def _receiver(text: str, tokens: Sequence[Token], start: int) -> TextSpan | None:
    """«забирать будет Зоя», «встречать будет Анна, это мой брат»: after who receives the goods the
    clause names the person, whatever Whisper wrote of a short name («зоне», «не на»); no pronoun
    («…будет я»), a person noun alone («…будет муж») or words that only say how («…будет проще»)."""
    name = _clause(text, tokens, start)
    if not name or is_number(name[0]):
        return None
    if all(in_dictionary(t.text) and pos(t.text) in ("ADVB", "COMP", "PRED", "ADJS", "VERB", "INFN") for t in name):
        return None
    said = next((t for t in name if not lead_in(t)), None)
    if said is not None and _common_noun_subject(said):
        return None  # «Принимать будет бригада», «…будет муж»: a person told by what they are
    return TextSpan("name", name[0].start, name[-1].end, DETECTOR)


def _common_noun_subject(tok: Token) -> bool:
    """A noun the dictionary knows, in the nominative, with no name reading: the subject said as
    what it is («бригада», «водитель»); a noun in another case after «будет» («зоне» for «Зоя»)
    cannot be its subject and is Whisper's garble of a name."""
    return in_dictionary(tok.text) and pos(tok.text) == "NOUN" and case_of(tok.text) == "nomn" and not readings(tok.text)


def _continuation(kind: str, text: str, tokens: list[Token]) -> TextSpan | None:
    """The start of a line that goes on with a number or an address the line before left open."""
    if not _continues(kind, tokens[:3]):
        return None
    return _value_in(kind, text, tokens, 0, asked=True)[0]


def _cued(text: str, tokens: list[Token]) -> list[TextSpan]:
    """A client's own cue in a line and the value after it: «меня зовут…», «мой телефон…»,
    «живу на…», «карта…»."""
    found: list[TextSpan] = []
    words = _lemmas(tokens)
    i = 0
    while i < len(tokens):
        kind = None
        if words[i] == "жить" and i + 1 < len(tokens) and words[i + 1] in ("на", "в"):
            kind = "address"
        elif words[i] == "звать" and i > 0 and words[i - 1] == "я":
            kind = "name"
        elif words[i] == "звать" and (named := _named_around_zvat(text, tokens, words, i)) is not None:
            found.append(named)  # «меня Зоя зовут», «зовут меня Зоя», «её Анной зовут»
            i = max(i + 1, next((j for j, t in enumerate(tokens) if t.start >= named.char_end), len(tokens)))
            continue
        elif words[i] in RECEIVING and i + 1 < len(tokens) and words[i + 1] == "быть" \
                or words[i] == "быть" and i + 1 < len(tokens) and words[i + 1] in RECEIVING:
            # «забирать будет Варвара Николаевна», «будет получать Зоя»: who receives the goods
            span = _receiver(text, tokens, i + 2)
            if span is not None:
                found.append(span)
            i += 2
            continue
        elif (words[i] == "на" and i + 1 < len(tokens) and tokens[i + 1].text == "связи"
              and not re.search(r"[,.!?…]", gap(text, tokens[i], tokens[i + 1]))) or words[i] in _SELF_AFTER:
            span = _name_before(text, tokens, i)
            if span is not None and not any(s.overlaps(span) for s in found):
                found.append(span)
            i += 1
            continue
        elif words[i] in PERSON_NOUNS and (named := _apposition(text, tokens, i, asked=False)) is not None:
            found.append(TextSpan("name", named[0].start, named[-1].end, DETECTOR))
            i = tokens.index(named[-1]) + 1
            continue
        elif words[i] in ("квартира", "корпус") and _flat_number(tokens, i) is not None:
            # a flat's or a building's number says the sentence up to it is an address, whatever
            # Whisper made of the street («Премести надно, уголь не на 70, квартира 76» for «Привезти
            # надо на бульвар…», «к луговой дом 60 ,8 в корпус 5»)
            last = _flat_number(tokens, i)
            start = next(s[0] for s in sentence_runs(text, tokens) if i in s)
            span, _ = _value_in("address", text, tokens, start, asked=False)
            heard_street = any(names_a_street(t.text) for t in tokens[start:i])  # the address detector's
            if span is not None and span.char_start <= tokens[i].start and not heard_street:
                found.append(TextSpan("address", span.char_start, tokens[last].end, DETECTOR))
            i = last + 1
            continue
        elif words[i] == "имя":
            kind = "name"  # «оформляйте на имя …»: what follows must look like a name, «имя компании» does not
        elif words[i] not in ("звать", "обращаться"):
            # a topic word, but not «имя» on its own: «на имя» is no cue without a name after it
            kind = next((k for k, stems in _TOPICS if words[i] in stems), None)
            if kind is None and words[i] == "номер" and not (set(words[i + 1:i + 3]) & _OTHER_NUMBER):
                kind = "phone"
        if kind is None:
            i += 1
            continue
        span, _ = _value_in(kind, text, tokens, i + 1, asked=False)
        if span is not None:
            found.append(span)
            i = next((j for j, t in enumerate(tokens) if t.start >= span.char_end), len(tokens))
        else:
            i += 1
    return found + [s for s in _bare_first_names(text, tokens)
                    if not any(f.overlaps(s) for f in found)]


def _bare_first_names(text: str, tokens: list[Token]) -> list[TextSpan]:
    """A line that opens agreeing and then says nothing but a first name («Да, конечно, Надежда.»,
    in lower case where Whisper wrote it so): the client giving their name to a request Whisper
    garbled. A question says none («Да, Вера?»)."""
    sentences = sentence_runs(text, tokens)
    if not sentences or _question(text, tokens, sentences[0][-1]):
        return []
    sent = [tokens[i] for i in sentences[0]]
    said = [t for t in sent if not lead_in(t)]
    agrees = any(lemma(t.text) in _AGREEING for t in sent[:sent.index(said[0])]) if said else False
    if len(said) == 1 and agrees and "Name" in readings(said[0].text):
        return [TextSpan("name", said[0].start, said[0].end, DETECTOR)]
    return []


def _flat_number(tokens: Sequence[Token], i: int) -> int | None:
    """The last token of the number after «квартира» at i, or None: no number, or a measure after
    it («квартира 50 метров» is a size)."""
    last = i
    while last + 1 < len(tokens) and is_number(tokens[last + 1]):
        last += 1
    if last == i or (last + 1 < len(tokens) and lemma(tokens[last + 1].text) in _MEASURES):
        return None
    return last


def _backchannel(text: str, tokens: Sequence[Token]) -> bool:
    """A seller's line that lets the client go on: «Так.», «Угу, записываю.», not a new question."""
    return len(tokens) <= _BACKCHANNEL_WORDS and "?" not in text and all(lead_in(t) for t in tokens)


def introduces_self(words: Sequence[str]) -> bool:
    """«меня зовут…», «моё имя…» among a line's dictionary forms: the speaker's own name."""
    return any((a, b) in (("я", "звать"), ("мой", "имя")) for a, b in zip(words, words[1:]))


def _request_at(lines: Sequence[Line], idx: int, meant: Sequence[str | None]) -> str | None:
    """The type a seller's line asks for, by its words or else by meaning; a seller introducing
    themselves («…Моё имя Ксения.») asks for no name, whatever the meaning says."""
    text = lines[idx].text
    kind = request(text)
    if kind is None and idx < len(meant) and not other_number(text) \
            and not ("?" not in text and introduces_self(_lemmas(tokenize(text)))):
        kind = meant[idx]
    return kind


def find_dialogue_spans(lines: Sequence[Line], ignore: Iterable[tuple[str, ...]] = (),
                        meant: Sequence[str | None] = ()) -> list[list[TextSpan]]:
    """Personal data in each line of a call found by the dialogue (`read_dialogue`)."""
    return read_dialogue(lines, ignore, meant)[0]


def read_dialogue(lines: Sequence[Line], ignore: Iterable[tuple[str, ...]] = (),
                  meant: Sequence[str | None] = ()) -> tuple[list[list[TextSpan]], list[str | None]]:
    """Personal data in each line of a call found by the dialogue: the reply to a seller's request,
    and what follows a client's own cue. `ignore` holds the dictionary forms of what is never
    personal data (the company, its products, its sellers); `meant`, per line, the type a seller's
    line asks for by meaning (`pipeline.privacy.requests`), for requests whose words name no topic.
    Also, per line, the type of the request a client's line answers, as read here: open until
    its value is found, the seller moves on or _REPLY_LINES lines have passed, and a line that
    goes on with the value answers it too; None for the rest."""
    ignored = set(ignore)
    found: list[list[TextSpan]] = [[] for _ in lines]
    answering: list[str | None] = [None] * len(lines)
    asked: str | None = None  # the open request
    replies = 0
    value: _Value | None = None
    for idx, line in enumerate(lines):
        tokens = tokenize(line.text)
        if line.speaker == "seller":
            kind = _request_at(lines, idx, meant)
            if kind is not None:
                asked, replies, value = kind, 0, None
            elif not _backchannel(line.text, tokens):
                asked, value = None, None
            continue
        spans: list[TextSpan] = []
        if asked is not None and replies < _REPLY_LINES:
            answering[idx] = asked
        if value is not None and value.open:
            cont = _continuation(value.kind, line.text, tokens)
            if cont is not None:
                spans.append(cont)
                answering[idx] = value.kind
            value = None
        if asked is not None and replies < _REPLY_LINES and not spans:
            span, open_end = _value_in(asked, line.text, tokens, 0, asked=True)
            replies += 1
            if span is not None:
                spans.append(span)
                value = _Value(asked, open_end and asked in (*NUMERIC_KINDS, "address"))
                asked = None
        taken = [(s.char_start, s.char_end) for s in spans]
        spans += [s for s in _cued(line.text, tokens) if not any(a < s.char_end and s.char_start < b for a, b in taken)]
        found[idx] = [s for s in spans if lemmas(line.text[s.char_start:s.char_end]) not in ignored]
    return found, answering
