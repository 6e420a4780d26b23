"""The rulebook as the public reads it: every version, which is in force or coming, and what each one changed."""

from dataclasses import dataclass
from datetime import datetime

from . import loader
from .compare import Differences, differences
from .schema import Rulebook

IN_FORCE, COMING, EARLIER = "in_force", "coming", "earlier"


@dataclass(frozen=True)
class Listed:
    rulebook: Rulebook
    status: str  # in_force, coming or earlier

    def as_dict(self) -> dict:
        rb = self.rulebook
        return {
            "version": rb.version,
            "title": {"zh": rb.title.zh, "en": rb.title.en},
            "effective_from": rb.effective_from.isoformat(),
            "status": self.status,
            "changes": rb.changes,
        }


def all_versions() -> list[Rulebook]:
    """Return every version, from the files and from the published copies of files since removed, oldest first."""
    from .models import RulebookVersion

    found = {rb.version: rb for rb in loader.versions()}
    for version in RulebookVersion.objects.exclude(version__in=list(found)).values_list("version", flat=True):
        found[version] = loader.get(version)
    return sorted(found.values(), key=lambda rb: rb.effective_from)


def listing(now: datetime) -> list[Listed]:
    """Return every version with its status at `now`, newest first."""
    versions = all_versions()
    current = loader.in_force(now).version
    listed = [
        Listed(rb, IN_FORCE if rb.version == current else COMING if rb.effective_from > now else EARLIER)
        for rb in versions
    ]
    return listed[::-1]


def status(rulebook: Rulebook, now: datetime) -> str:
    """Return the version's status at `now`: in_force, coming or earlier."""
    if rulebook.effective_from > now:
        return COMING
    return IN_FORCE if loader.in_force(now).version == rulebook.version else EARLIER


def previous(rulebook: Rulebook) -> Rulebook | None:
    """Return the version before this one (by effective_from), or None for the first."""
    earlier = [rb for rb in all_versions() if rb.effective_from < rulebook.effective_from]
    return earlier[-1] if earlier else None


def changes_from_previous(rulebook: Rulebook) -> Differences | None:
    """Return what this version changed from the one before it; None for the first version."""
    before = previous(rulebook)
    return differences(before, rulebook) if before else None
