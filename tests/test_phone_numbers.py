"""Phone numbers as trunks and PBXs write them reduce to one key; junk says why it is junk."""

import pytest

from pipeline.phone.numbers import normalise_number


@pytest.mark.parametrize(
    "raw, value",
    [
        ("+7 (916) 123-45-67", "+79161234567"),
        ("8 916 123 45 67", "+79161234567"),
        ("79161234567", "+79161234567"),
        ("9161234567", "+79161234567"),
        ("8-800-555-35-35", "+78005553535"),
        ("+7 727 123 4567", "+77271234567"),  # Kazakhstan shares +7
        ("+44 20 7946 0958", "+442079460958"),
        ("00442079460958", "+442079460958"),
        ("810442079460958", "+442079460958"),
        ("442079460958", "+442079460958"),  # a foreign number the trunk sent without "+"
        (" 495.123.45.67 ", "+74951234567"),
    ],
)
def test_phone_numbers_become_e164(raw, value):
    number = normalise_number(raw)
    assert (number.value, number.kind, number.reason) == (value, "number", "")


@pytest.mark.parametrize("raw", ["10", "101", "2001", "12345"])
def test_extensions_stay_as_they_are(raw):
    number = normalise_number(raw)
    assert (number.value, number.kind) == (raw, "extension")


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("", "empty"),
        (None, "empty"),
        ("   ", "empty"),
        ("anonymous", "caller ID withheld"),
        ("<unknown>", "caller ID withheld"),
        ("Unknown", "caller ID withheld"),
        ("Иван <79161234567>", "characters other than digits"),
        ("+7916123456", "+7 needs 10 digits"),
        ("+7 016 123 45 67", "+7 needs 10 digits starting with 3-9"),
        ("+1234567", "8 to 15 digits"),
        ("1234567", "local number without the area code"),
        ("0161234567", "neither an extension nor a full number"),
        ("7", "neither an extension nor a full number"),
        ("٩١٦١٢٣٤٥٦٧", "characters other than digits"),  # Arabic-Indic digits
    ],
)
def test_junk_is_invalid_with_a_reason_and_never_raises(raw, reason):
    number = normalise_number(raw)
    assert number.kind == "invalid" and number.value is None
    assert reason in number.reason
