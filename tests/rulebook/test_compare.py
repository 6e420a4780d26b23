"""What a version changed from the one before, computed from the parsed rulebooks."""

from pathlib import Path

from django.conf import settings

from plaint.rulebook import loader
from plaint.rulebook.compare import differences


def _text(name: str) -> str:
    return (Path(settings.PLAINT_RULEBOOK_DIR) / name).read_text(encoding="utf-8")


def _edited(name: str, old: str, new: str, version: str = "9") -> object:
    text = _text(name)
    assert old in text
    text = text.replace(old, new).replace('version = "3"', f'version = "{version}"', 1)
    return loader.parse(text, f"edited {name}")


def test_a_number_changed_is_one_change_named_by_category_and_field():
    before = loader.parse(_text("v3.toml"), "v3")
    window = (
        'code = "expired_goods"\ntitle = { zh = "过期商品", en = "Expired goods" }\n'
        'targets = ["order", "listing"]\nwindow_days = 30'
    )
    after = _edited("v3.toml", window, window.replace("window_days = 30", "window_days = 45"))
    found = differences(before, after)
    assert [c.as_dict() for c in found.changes] == [
        {"path": "categories.expired_goods.window_days", "kind": "changed", "before": 30, "after": 45}
    ]
    assert found.categories_added == found.categories_removed == []


def test_a_category_removed_and_one_added_are_named_whole():
    before = loader.parse(_text("v3.toml"), "v3")
    # The [dsa] mapping names categories by code, so it is renamed with it.
    after = _edited("v3.toml", "service_attitude", "rude_service")
    found = differences(before, after)
    assert found.categories_added == ["rude_service"] and found.categories_removed == ["service_attitude"]
    kinds = {c.as_dict()["path"]: c.kind for c in found.changes}
    dsa = {path.split(".")[2]: kind for path, kind in kinds.items() if path.startswith("dsa.")}
    assert dsa == {"service_attitude": "removed", "rude_service": "added"}
    assert {p: k for p, k in kinds.items() if not p.startswith("dsa.")} == {
        "categories.service_attitude": "removed",
        "categories.rude_service": "added",
    }


def test_a_category_moved_in_the_file_is_no_change():
    text = _text("v3.toml")
    start = text.index('[[categories]]\ncode = "service_attitude"')
    end = text.index("[[categories]]", start + 1)
    block = text[start:end]
    moved = text[:start] + text[end:]
    at = moved.index("[[categories]]")
    moved = moved[:at] + block + moved[at:]
    assert differences(loader.parse(text, "v3"), loader.parse(moved, "moved")).changes == []


def test_version_2_and_3_differences_are_the_values_they_changed():
    v1, v2, v3 = (loader.get(v) for v in ("1", "2", "3"))
    two = {c.as_dict()["path"]: c for c in differences(v1, v2).changes}
    assert two["intake.appeal_window_days"].kind == "removed"
    assert two["monitoring.baseline.min_windows"].after == 3  # a table added: each of its values
    assert two["appeals.outcome_days"].after == 15
    three = {c.as_dict()["path"]: (c.before, c.after) for c in differences(v2, v3).changes}
    assert three["appeals.routes.default"] == ("reconsideration", "committee")
    assert "title" not in three and "changes" not in three  # the version's own words are not policy
