"""What changed between two rulebook versions, value by value, computed from the parsed models (not the text).

Lists become tables keyed by what names their entries (categories and alternatives by code, ladder
steps by track and threshold), so a category moved in the file is not a change, and a category
whose window changed is one changed number, not a removed and an added category.
"""

from dataclasses import dataclass, field
from typing import Any

from .schema import Rulebook

# What names the entries of each list of the rulebook.
KEYS = {
    "categories": lambda item: item["code"],
    "alternatives": lambda item: item["code"],
    "ladder": lambda item: f"{item['track']}@{item['points']}",
}
# Not policy: the version's name, start and its own description of itself.
LEFT_OUT = frozenset({"version", "effective_from", "title", "changes"})


@dataclass(frozen=True)
class Change:
    """One value that differs: `path` names it (e.g. ("categories", "expired_goods", "window_days"))."""

    path: tuple[str, ...]
    before: Any
    after: Any

    @property
    def kind(self) -> str:
        """Return added, removed or changed."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    def as_dict(self) -> dict[str, Any]:
        return {"path": ".".join(self.path), "kind": self.kind, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Differences:
    """The differences of `new` from `old`: categories added and removed, and every value changed."""

    old: str
    new: str
    categories_added: list[str] = field(default_factory=list)
    categories_removed: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from_version": self.old,
            "to_version": self.new,
            "categories_added": self.categories_added,
            "categories_removed": self.categories_removed,
            "changes": [c.as_dict() for c in self.changes],
        }

    def sections(self) -> dict[str, list[Change]]:
        """Return the changes grouped by top-level section, in the order they come."""
        grouped: dict[str, list[Change]] = {}
        for change in self.changes:
            grouped.setdefault(change.path[0], []).append(change)
        return grouped


def _tabled(section: str, value: Any) -> Any:
    if section in KEYS and isinstance(value, list):
        return {KEYS[section](item): item for item in value}
    return value


def _walk(path: tuple[str, ...], before: Any, after: Any, out: list[Change]) -> None:
    whole_entry = len(path) == 2 and path[0] in KEYS  # a category, alternative or step: added or removed whole
    if not whole_entry and (before is None or after is None) and isinstance(before or after, dict):
        before, after = before or {}, after or {}  # a table added or removed: each of its values
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(before) + [k for k in after if k not in before]:
            _walk((*path, str(key)), before.get(key), after.get(key), out)
    elif before != after:
        out.append(Change(path, before, after))


def differences(old: Rulebook, new: Rulebook) -> Differences:
    """Return what `new` changes from `old`; an entry present in one only is added or removed whole."""
    before = old.model_dump(mode="json", exclude=set(LEFT_OUT))
    after = new.model_dump(mode="json", exclude=set(LEFT_OUT))
    changes: list[Change] = []
    for section in list(before) + [s for s in after if s not in before]:
        _walk((section,), _tabled(section, before.get(section)), _tabled(section, after.get(section)), changes)
    old_codes = [c.code for c in old.categories]
    new_codes = [c.code for c in new.categories]
    return Differences(
        old=old.version,
        new=new.version,
        categories_added=[c for c in new_codes if c not in old_codes],
        categories_removed=[c for c in old_codes if c not in new_codes],
        changes=changes,
    )
