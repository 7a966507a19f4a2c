"""The standard YAML: the demo file loads, broken files name the file and the key."""

from pathlib import Path

import pytest
import yaml

from checks.analyze import plan_checks
from checks.standard import StandardError, load_standard

DEMO = Path(__file__).resolve().parent.parent / "scripts_ref" / "stroydom.yaml"


def write(tmp_path: Path, data) -> Path:
    path = tmp_path / "std.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def demo_data():
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_standard_loads():
    std = load_standard(DEMO)
    assert std.standard.id == "stroydom-inbound"
    assert {"greeting", "needs_discovery", "meeting_proposal", "farewell"} <= {s.id for s in std.stages}
    assert any(f.id == "delivery_podolsk" and f.value == 2500 for f in std.knowledge_base)
    assert "СтройДом" in std.hotwords()


def test_wrong_type_names_file_and_key(tmp_path, demo_data):
    demo_data["stages"][1]["weight"] = "heavy"
    with pytest.raises(StandardError) as exc:
        load_standard(write(tmp_path, demo_data))
    assert "std.yaml" in str(exc.value) and "stages[1].weight" in str(exc.value)


def test_unknown_key_is_an_error(tmp_path, demo_data):
    demo_data["thresholds"]["flag_bellow"] = 60
    with pytest.raises(StandardError, match=r"thresholds\.flag_bellow"):
        load_standard(write(tmp_path, demo_data))


def test_missing_required_section(tmp_path, demo_data):
    del demo_data["company"]
    with pytest.raises(StandardError, match="company"):
        load_standard(write(tmp_path, demo_data))


def test_duplicate_stage_ids(tmp_path, demo_data):
    demo_data["stages"][1]["id"] = "greeting"
    with pytest.raises(StandardError, match="duplicate id in stages: greeting"):
        load_standard(write(tmp_path, demo_data))


def test_phrases_element_needs_phrases(tmp_path, demo_data):
    demo_data["stages"][0]["elements"][2]["phrases"] = []
    with pytest.raises(StandardError, match=r"stages\[0\]\.elements\[2\]"):
        load_standard(write(tmp_path, demo_data))


def test_not_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("stages: [unclosed", encoding="utf-8")
    with pytest.raises(StandardError, match="bad.yaml: not valid YAML"):
        load_standard(path)


def test_unknown_check_is_named(tmp_path, demo_data):
    demo_data["checks"]["no_such_check"] = {}
    path = write(tmp_path, demo_data)
    with pytest.raises(StandardError, match="checks.no_such_check: unknown check"):
        plan_checks(load_standard(path), str(path))


def test_minimal_standard_without_optional_sections(tmp_path):
    path = write(tmp_path, {
        "standard": {"id": "mini", "version": 1},
        "company": {"name": "Ромашка"},
        "stages": [{"id": "greeting", "phrases": ["добрый день"]}],
    })
    std = load_standard(path)
    run, skipped = plan_checks(std)
    assert std.standard.version == "1"
    assert {spec.name for spec, _ in run} == {"stages", "missing_stage", "stage_order"}
