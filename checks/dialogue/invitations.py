"""An invitation to come or to meet, told by its grammar rather than its words.

A seller proposes a meeting in endless wordings («приходите в пятницу», «может, заглянете к десяти?»,
«подъедете завтра после обеда?»), and the sentence encoder places such short imperatives nearer to
«подождите, я посмотрю» than to any example of the stage: the verb of coming carries the meaning
and the encoder hardly weighs it. What they share is a structure: a verb of coming or meeting,
in a form that speaks to the client («приходите», «заглянете», «сможете подъехать», «давайте
встретимся»). A statement about others («клиенты к нам приходят», «мастер приедет») or about
the past («соседи тоже к нам пошли») has the verb and is no invitation.

A time booked for the client, or the client awaited, is the same proposal in other verbs: «давайте
я вас запишу на четверг», «могу забронировать для вас утро», «ждём вас в пятницу», «запишитесь на
субботу». The seller books or awaits (first person, or an infinitive) with the client as its
object («вас», «вам»), or asks the client to sign up; «записывайте адрес» (the client writes),
«записала вас» (done) and «ожидайте на линии» (a hold) book nothing.
"""

from __future__ import annotations

from functools import lru_cache

from checks.text.normalise import NormText, is_known_word, is_second_person_verb, morph_parses

# verbs of coming, visiting and meeting (infinitives, both aspects): a closed class of Russian,
# not any company's wording
COMING_VERBS = frozenset("""
    прийти приходить приехать приезжать подъехать подъезжать заехать заезжать зайти заходить
    заглянуть заглядывать подойти подходить забежать забегать заскочить заскакивать подскочить
    наведаться посетить посещать прибыть подъехать съездить
    встретиться встречаться увидеться видеться пересечься пересекаться встретить встречать
""".split())
# the client signing up is put to the client as coming is («запишитесь», «можете записаться»)
SIGN_UP_VERBS = frozenset("записаться записываться".split())
# the seller booking a time or awaiting the client: first person or infinitive, with the client as object
BOOKING_VERBS = frozenset("записать записывать забронировать бронировать ждать ожидать".split())
_CLIENT_AS_OBJECT = frozenset("вас вам".split())
# verbs whose first person plural proposes to meet on its own («встретимся в пятницу?»)
MEETING_VERBS = frozenset("встретиться встречаться увидеться видеться пересечься пересекаться".split())
# words after which a bare infinitive of coming is put to the client («давайте подъехать»,
# «удобно заехать», «предлагаю встретиться», «приглашаю зайти», «можем встретиться», «если хотите
# прийти»: «хотите» may be read as an imperative, so `is_second_person_verb` leaves it out)
_PROPOSING = frozenset("давайте давай удобно предлагаю приглашаю можно получится можем хотите желаете".split())


@lru_cache(maxsize=8192)
def _addressed_coming(word: str) -> str | None:
    """How a word of coming speaks: 'you' (imperative or second person: «приходите», «заглянете»),
    'we' (first person plural of a meeting verb: «встретимся»), 'inf' (the infinitive), or None
    (no verb of coming, or one that tells of someone else or of the past)."""
    kinds: set[str] = set()
    other = _other_ending(word)
    for parse in (*morph_parses(word), *(morph_parses(other) if other else ())):
        tag = parse.tag
        if tag.POS not in ("VERB", "INFN") or parse.normal_form.replace("ё", "е") not in COMING_VERBS | SIGN_UP_VERBS:
            continue
        if tag.POS == "INFN":
            kinds.add("inf")
        elif tag.mood == "impr" or (tag.person == "2per" and tag.tense != "past"):
            kinds.add("you")
        elif tag.person == "1per" and tag.number == "plur" and parse.normal_form in MEETING_VERBS:
            kinds.add("we")
    for kind in ("you", "we", "inf"):
        if kind in kinds:
            return kind
    return None


def _other_ending(word: str) -> str:
    """The word with its unstressed ending «-ете» written «-ите», or the other way: both sound alike,
    and Whisper writes «приедите», «подъедите» (of «есть», to eat) for «приедете», «подъедете»."""
    if word.endswith("ете"):
        return word[:-3] + "ите"
    if word.endswith("ите"):
        return word[:-3] + "ете"
    return ""


def invitation_span(text: NormText) -> tuple[int, int] | None:
    """The token span of an invitation to come or meet, or of a time booked for the client, or None.
    A bare infinitive of coming is put to the client by a word of proposing before it, or by a verb
    in the second person anywhere in the line («сможете», «хотите»: «сможете подъехать?»)."""
    words = [t.text for t in text.tokens]
    addresses_client = any(is_second_person_verb(w) for w in words)
    for i, word in enumerate(words):
        kind = _addressed_coming(word)
        if kind in ("you", "we"):
            return i, i + 1
        # «Приходить в среду к пяти»: an infinitive opening the line directs, as an imperative does
        opens = i == 0 and not {"не", "нельзя"} & set(words)  # «подъехать к вам не сможем» tells
        proposing = any(w in _PROPOSING and (k == 0 or words[k - 1] != "не")  # «не хотите приезжать — не надо»
                        for k, w in enumerate(words[:i]) if k >= i - 3)
        if kind == "inf" and (opens or addresses_client or proposing):
            return i, i + 1
    if _CLIENT_AS_OBJECT & set(words):
        for i, word in enumerate(words):
            booking = _booking(word)
            if booking == "now" or (booking == "past" and "бы" in words[max(0, i - 3):i]):
                return i, i + 1
    return None


@lru_cache(maxsize=8192)
def _booking(word: str) -> str | None:
    """«запишу», «забронируем», «ждём», «записать»: 'now', the seller books or awaits, now or next,
    or is to; «записала», «забронировал»: 'past', which with «бы» before it offers («я бы вас записала
    на вторник»); None for any other word."""
    past = False
    for parse in morph_parses(word):
        tag = parse.tag
        if parse.normal_form.replace("ё", "е") not in BOOKING_VERBS:
            continue
        if tag.POS == "INFN" or (tag.POS == "VERB" and tag.person == "1per" and tag.tense != "past"
                                 and tag.mood != "impr"):
            return "now"
        past = past or (tag.POS == "VERB" and tag.tense == "past")
    return "past" if past else None


@lru_cache(maxsize=8192)
def _announces_a_visit(word: str) -> bool:
    """«приедет», «подъедем»: a verb of coming in the future announces a visit («замерщик к вам
    приедет в четверг»), which a standard may count as the meeting; the present («приходят») and
    the past («пошли») tell of what others do or did."""
    return any(p.tag.POS == "VERB" and p.tag.tense == "futr" and p.normal_form.replace("ё", "е") in COMING_VERBS
               for p in morph_parses(word))


def tells_of_coming(phrase: NormText, text: NormText, start: int, end: int) -> bool:
    """A phrase with a verb of coming («приехать к нам») matched words that tell, not invite:
    «многие клиенты приходят к нам», «соседи по подъезду тоже к нам пошли» (the key of «подъезд» is
    that of «подъехать»). True when the phrase has such a verb, no word of the matched stretch
    invites or announces a visit, and every one of them is a real word: a garbled one may be the invitation misheard."""
    if not any(t.lemma in COMING_VERBS for t in phrase.tokens):
        return False
    said = text.tokens[start:end]
    if any(_addressed_coming(t.text) or _announces_a_visit(t.text) for t in said):
        return False
    return all(not t.text.isalpha() or is_known_word(t.text) for t in said)


# a client taking a proposed time: a closed class of Russian assent, whoever the company
_ASSENT_LEMMAS = frozenset("""
    да хорошо ладно отлично давайте договориться подходить подойти смочь устраивать устроить удобно
    прийти приехать подъехать быть записать запишите
""".split())
# a client's line longer than this does more than take a time
_ASSENT_WORDS = 8
# the seller marking the client down («записала вас», «я вас отметил»): a booking told as done
# («ждём вас» is no booking: it closes a call as often as it confirms one)
_MARKING_VERBS = (BOOKING_VERBS - {"ждать", "ожидать"}) | {
    "отметить", "отмечать", "внести", "вносить", "закрепить", "закреплять", "зарезервировать", "резервировать"}
# the client named as the one booked: «записала вас», «время за вами закрепила»
_THE_CLIENT = _CLIENT_AS_OBJECT | {"вами"}


def proposes(text: NormText) -> bool:
    """A word of proposing: «давайте», «предлагаю», «можем»…"""
    return bool(_PROPOSING & {t.text for t in text.tokens})


def takes_the_time(text: NormText, raw: str) -> bool:
    """«Да, в это время смогу», «Договорились, буду», «Хорошо, мне подходит»: a short line of assent,
    with no refusal («нет, не смогу», «мне не подходит») and asking nothing back."""
    words = {t.text for t in text.tokens}
    return (0 < len(text.tokens) <= _ASSENT_WORDS and not words & _REFUSALS and "?" not in raw
            and any(t.text in _ASSENT_LEMMAS or t.lemma in _ASSENT_LEMMAS for t in text.tokens))


_REFUSALS = frozenset("не нет нельзя подумаю подумаем".split())


def books_the_client(text: NormText) -> bool:
    """«Записал вас», «Хорошо, я вас отметила», «время за вами закрепила», or «Всё,
    записал» opening the line: the seller books, marks down or awaits the client («записал ваш
    номер» books nothing)."""
    words = [t.text for t in text.tokens]
    # the seller's own act: «записала», «отмечу», not «записывайте» (the client writes)
    marks = [k for k, w in enumerate(words) if any(
        p.normal_form.replace("ё", "е") in _MARKING_VERBS and p.tag.POS == "VERB" and p.tag.mood != "impr"
        and (p.tag.tense == "past" or p.tag.person == "1per") for p in morph_parses(w))]
    if not marks:
        return False
    if _THE_CLIENT & set(words):
        return True
    # «записал ваш номер»: a possessive after the verb opens its object («записал, консультант будет
    # в курсе» names no object: recognition drops the comma, so a noun may be the next sentence's)
    return marks[0] < 3 and not (marks[0] + 1 < len(words) and words[marks[0] + 1] in _POSSESSIVES)


_POSSESSIVES = frozenset("ваш ваша ваше ваши вашу вашего вашей ваших твой твою этот эту это эти".split())
