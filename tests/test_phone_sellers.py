"""`sellers.yaml`: extensions and agent ids to sellers; an unknown one is reported, not dropped."""

import textwrap

import pytest

import pipeline.phone.sellers as sellers_module
from pipeline.phone.errors import MetadataError
from pipeline.phone.sellers import find_seller, load_sellers

def documented_example(module) -> str:
    """The example in a module's docstring, so the documentation cannot go stale."""
    return textwrap.dedent(module.__doc__.split("Example:\n\n", 1)[1].split("\n\n", 1)[0]) + "\n"


SELLERS_YAML = documented_example(sellers_module) + """\
  - name: Борис Смирнов
    extensions: ["102"]
    role: farmer
    segments:
      size: [small]
      ownership: [ИП, private]
  - name: Вера Козлова
    agent_ids: [vera.k]
    role: scout
"""


@pytest.fixture
def sellers(tmp_path):
    path = tmp_path / "sellers.yaml"
    path.write_text(SELLERS_YAML, encoding="utf-8")
    return load_sellers(path)


def test_the_documented_example_and_more_load_with_segments_and_roles(sellers):
    anna, boris, vera = sellers.sellers
    assert anna.extensions == ["101", "201"]  # YAML numbers become text
    assert anna.segments.size == ["large", "medium"] and anna.segments.geography == ["Москва", "Химки"]
    assert (boris.role, boris.segments.ownership, vera.segments.size) == ("farmer", ["ИП", "private"], [])


@pytest.mark.parametrize(
    "extension, agent_id, status, key, name",
    [
        ("101", None, "mapped", "101", "Анна Петрова"),
        ("201", None, "mapped", "201", "Анна Петрова"),
        ("102", None, "mapped", "102", "Борис Смирнов"),
        ("102", "anna.p", "mapped", "anna.p", "Анна Петрова"),  # the agent logged in at Boris's phone
        ("103", "vera.k", "mapped", "vera.k", "Вера Козлова"),
        ("102", "nobody", "mapped", "102", "Борис Смирнов"),
        ("103", None, "unmapped", "103", "unknown"),
        ("103", "nobody", "unmapped", "nobody", "unknown"),
        (None, None, "no_key", None, "unknown"),
    ],
)
def test_lookup(sellers, extension, agent_id, status, key, name):
    found = find_seller(sellers, extension, agent_id)
    assert (found.status, found.key, found.name) == (status, key, name)


def test_without_a_map_extensions_are_unmapped_not_lost():
    assert (find_seller(None, "101").status, find_seller(None, "101").key) == ("unmapped", "101")


@pytest.mark.parametrize(
    "text, field, message",
    [
        ("sellers:\n  - name: Анна\n    extensions: [101]\n    role: closer\n", "sellers[0].role",
         "'scout', 'hunter' or 'farmer'"),
        ("sellers:\n  - name: Анна\n    extensions: [101]\n    segments: {size: [huge]}\n",
         "sellers[0].segments.size[0]", "'large', 'medium' or 'small'"),
        ("sellers:\n  - name: Анна\n    extension: [101]\n", "sellers[0].extension", "Extra inputs are not permitted"),
        ("sellers:\n  - name: Анна\n", "sellers[0]", "give extensions or agent_ids"),
        ("sellers:\n  - extensions: [101]\n", "sellers[0].name", "Field required"),
        ("sellers: []\n", "sellers", "at least 1 item"),
        ("- name: Анна\n", "(top level)", "expected a mapping"),
        ("sellers:\n  - name: Анна\n    extensions: [101]\n  - name: Борис\n    extensions: [102, 101]\n",
         "sellers[1].extensions", "101 already belongs to sellers[0] (Анна)"),
        ("sellers: [name: Анна\n", "file", "not valid YAML"),
    ],
    ids=["role", "size", "typo", "unreachable", "no-name", "empty", "list", "shared-extension", "yaml"],
)
def test_broken_map_names_the_file_and_the_key_path(tmp_path, text, field, message):
    path = tmp_path / "sellers.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MetadataError) as exc:
        load_sellers(path)
    assert exc.value.source == str(path) and exc.value.field == field
    assert message in exc.value.reason


def test_missing_map(tmp_path):
    with pytest.raises(MetadataError, match="sellers.yaml: file: sellers file not found"):
        load_sellers(tmp_path / "sellers.yaml")
