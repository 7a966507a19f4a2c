"""Leg files pair by name; anything that is not a complete pair stays a single recording."""

from pathlib import Path

import pytest

from pipeline.phone.legs import LegPair, pair_legs, split_leg


@pytest.mark.parametrize(
    "name, base, leg",
    [
        ("x-in.wav", "x.wav", "in"),
        ("x-out.WAV", "x.WAV", "out"),
        ("in-74951234567-89161234567-20231105-101500-1699168500.42-r.wav",
         "in-74951234567-89161234567-20231105-101500-1699168500.42.wav", "r"),
        ("x-t.gsm", "x.gsm", "t"),
        ("x.wav", "x.wav", None),
        ("call-out", "call-out", None),  # no extension: not a leg file
        ("checkout.wav", "checkout.wav", None),
        ("x-in.meta.json", "x-in.meta.json", None),
    ],
)
def test_split_leg(name, base, leg):
    assert split_leg(name) == (base, leg)


def test_pairs_in_a_dated_tree(tmp_path):
    day = tmp_path / "2023" / "11" / "05"
    other_day = tmp_path / "2023" / "11" / "06"
    names = {
        day: ["a-r.wav", "a-t.wav", "b-in.wav", "b-out.wav", "c.wav", "d-r.wav", "e-in.wav", "e-t.wav"],
        other_day: ["a-t.wav"],  # same name, other folder: not a partner
    }
    paths = [folder / name for folder, files in names.items() for name in files]
    pairs, singles = pair_legs(reversed(paths))
    assert pairs == (
        LegPair(received=day / "a-r.wav", transmitted=day / "a-t.wav"),
        LegPair(received=day / "b-in.wav", transmitted=day / "b-out.wav"),
    )
    # a leg without its partner, or with a partner of the other naming scheme, is analysed alone
    assert set(singles) == {day / "c.wav", day / "d-r.wav", day / "e-in.wav", day / "e-t.wav", other_day / "a-t.wav"}


def test_nothing_is_lost():
    paths = [Path(n) for n in ("a-r.wav", "a-t.wav", "a-in.wav", "b.mp3", "c-out.wav")]
    pairs, singles = pair_legs(paths)
    paired = {p for pair in pairs for p in (pair.received, pair.transmitted)}
    assert paired | set(singles) == set(paths) and not paired & set(singles)
