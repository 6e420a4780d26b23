"""Statements of reasons in the format of the EU DSA Transparency Database's API.

One statement per decision on a report that restricts the merchant (its remedy, as [dsa.remedies]
says) and one per measure of the penalty ladder that restricts something ([dsa.measures]). The
mapping is the rulebook's [dsa] section: the decision's (or measure's) own version when it has one,
otherwise the first version that does, since the mapping classifies a decision for reporting and
changes nothing in it. A category, measure or remedy without a mapping raises UnmappedError naming it.
"""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from plaint.cases.masking import mask_text
from plaint.rulebook import loader
from plaint.rulebook.dsa import Dsa, DsaCategory, Restriction

FACTS_MAX = 5000
# The Transparency Database's source of an own-initiative investigation (SourceType in rulebook/dsa.py).
SOURCE_VOLUNTARY = "SOURCE_VOLUNTARY"
SOURCE_TRUSTED_FLAGGER = "SOURCE_TRUSTED_FLAGGER"
# The API's puid: letters, digits, "-" and "_", at most 500 characters.
PUID_PREFIX = "plaint"


class UnmappedError(Exception):
    """A category, measure kind or remedy has no entry in the rulebook's [dsa] section."""


def decision_puid(decision: Any) -> str:
    """Return the stable puid of a decision's statement: plaint-<case reference>-decision-<id>."""
    return f"{PUID_PREFIX}-{decision.case.reference}-decision-{decision.pk}"


def measure_puid(measure: Any) -> str:
    """Return the stable puid of a measure's statement: plaint-<trigger case reference>-measure-<id>."""
    return f"{PUID_PREFIX}-{measure.trigger_case.reference}-measure-{measure.pk}"


def mapping(version: str) -> tuple[str, Dsa]:
    """Return (version, [dsa] section) that classifies decisions taken under rulebook `version`.

    The version's own section, or the earliest version that has one; UnmappedError if none has.
    """
    own = loader.get(version)
    if own.dsa is not None:
        return own.version, own.dsa
    for rulebook in sorted(loader.versions(), key=lambda rb: rb.effective_from):
        if rulebook.dsa is not None:
            return rulebook.version, rulebook.dsa
    raise UnmappedError("no rulebook version has a [dsa] section: nothing says how to classify statements")


def _category(dsa: Dsa, version: str, code: str) -> DsaCategory:
    try:
        return dsa.categories[code]
    except KeyError:
        raise UnmappedError(
            f"category {code!r} has no [dsa.categories.{code}] entry in rulebook version {version}"
        ) from None


def _day(value: datetime) -> str:
    return timezone.localtime(value).date().isoformat()


def _content_date(case: Any) -> str:
    """Return the day the content was put up: the order's payment, else when Plaint learnt of the listing or shop."""
    report = case.report
    if report.order_id is not None:
        when = report.order.paid_at
    elif report.listing_id is not None:
        when = report.listing.created_at
    else:
        when = case.merchant.created_at
    return max(timezone.localtime(when).date(), date(2000, 1, 1)).isoformat()


def _restriction_fields(restriction: Restriction, end: datetime | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    end_day = _day(end) if end is not None else None
    if restriction.decision_visibility:
        fields["decision_visibility"] = list(restriction.decision_visibility)
        if restriction.decision_visibility_other:
            fields["decision_visibility_other"] = restriction.decision_visibility_other
        if end_day:
            fields["end_date_visibility_restriction"] = end_day
    if restriction.decision_monetary:
        fields["decision_monetary"] = restriction.decision_monetary
        if restriction.decision_monetary_other:
            fields["decision_monetary_other"] = restriction.decision_monetary_other
        if end_day:
            fields["end_date_monetary_restriction"] = end_day
    if restriction.decision_provision:
        fields["decision_provision"] = restriction.decision_provision
        if end_day:
            fields["end_date_service_restriction"] = end_day
    if restriction.decision_account:
        fields["decision_account"] = restriction.decision_account
        if end_day:
            fields["end_date_account_restriction"] = end_day
    return fields


def _statement(
    dsa: Dsa,
    category: DsaCategory,
    restriction: Restriction,
    *,
    puid: str,
    facts: str,
    applied_at: datetime,
    ends_at: datetime | None,
    content_date: str,
    automated_decision: str,
    own_initiative: bool = False,
    trusted_flagger: bool = False,
) -> dict[str, Any]:
    statement = _restriction_fields(restriction, ends_at)
    statement["account_type"] = dsa.account_type
    statement["decision_ground"] = category.decision_ground
    if dsa.decision_ground_reference_url:
        statement["decision_ground_reference_url"] = dsa.decision_ground_reference_url
    if category.ground == "illegal":
        statement["illegal_content_legal_ground"] = category.legal_ground
        statement["illegal_content_explanation"] = category.explanation
    else:
        statement["incompatible_content_ground"] = category.terms_ground
        statement["incompatible_content_explanation"] = category.explanation
        if category.also_illegal:
            statement["incompatible_content_illegal"] = category.also_illegal
    statement["content_type"] = list(dsa.content_type)
    if dsa.content_type_other:
        statement["content_type_other"] = dsa.content_type_other
    statement["category"] = category.category
    if category.category_specification:
        statement["category_specification"] = list(category.category_specification)
    statement["territorial_scope"] = list(dsa.territorial_scope)
    statement["content_date"] = content_date
    statement["application_date"] = _day(applied_at)
    statement["decision_facts"] = facts[:FACTS_MAX]
    # A case the platform opened on its own initiative (an investigation) is the database's voluntary
    # own-initiative source, a trusted flagger's report (DSA art. 22) its own source, whatever the
    # rulebook names for other reports.
    if own_initiative:
        statement["source_type"] = SOURCE_VOLUNTARY
    elif trusted_flagger:
        statement["source_type"] = SOURCE_TRUSTED_FLAGGER
    else:
        statement["source_type"] = dsa.source_type
    # Reports are notices people file, investigations people open; nothing in Plaint detects content by itself.
    statement["automated_detection"] = "No"
    statement["automated_decision"] = automated_decision
    statement["puid"] = puid
    return statement


def for_decision(decision: Any) -> dict[str, Any] | None:
    """Return the statement for a decision on a report, or None when it restricts nothing.

    A report not upheld restricts nothing; an upheld one restricts what its remedy's [dsa.remedies]
    entry says (`statement = false`: nothing). UnmappedError when the remedy or category has no entry.
    """
    if decision.outcome == "not_upheld":
        return None
    case = decision.case
    version, dsa = mapping(decision.rulebook_version)
    restriction = dsa.remedies.get(decision.remedy)
    if restriction is None:
        raise UnmappedError(
            f"remedy {decision.remedy!r} (decision {decision.pk} on case {case.reference}) has no "
            f"[dsa.remedies] entry in rulebook version {version}"
        )
    if not restriction.statement:
        return None
    # A report of several problems (docs/problems.md) is classified by the upheld problem that weighs most
    # (the main one first among equals): the main category may be one that was not upheld.
    problems = [p for p in decision.statement.get("problems", []) if p.get("outcome") != "not_upheld"]
    ground = max(problems, key=lambda p: p.get("points", 0), default=None) if problems else None
    category = _category(dsa, version, ground["category"] if ground else case.category)
    rule = decision.statement.get("rule", {})
    title = (ground or {}).get("title", {}).get("en") or rule.get("title", {}).get("en", case.category)
    reasons = ", ".join(r.get("en", r.get("code", "")) for r in decision.statement.get("reason_codes", []))
    remedy = decision.statement.get("remedy", {})
    target = case.report.target_type
    opened = (
        f"An investigation the platform opened on its own initiative into a {target}"
        if case.own_initiative
        else f"A buyer's report on {'an' if target == 'order' else 'a'} {target}"
    )
    parts = [
        f"{opened} (case {case.reference}, "
        f"category '{title}') was decided "
        f"'{decision.outcome.replace('_', ' ')}' on {_day(decision.decided_at)} under the marketplace's rules, "
        f"version {decision.rulebook_version}.",
    ]
    if reasons:
        parts.append(f"Reasons: {reasons}.")
    if remedy.get("kind") and remedy.get("kind") != "none":
        amount = f" of {remedy['amount']} {remedy.get('currency', '')}".rstrip() if remedy.get("amount") else ""
        parts.append(f"Remedy ordered at the merchant's expense: {remedy['kind'].replace('_', ' ')}{amount}.")
    if decision.statement.get("problems"):
        parts.append(
            "Problems decided: "
            + "; ".join(
                f"{p['title']['en']} {p['outcome'].replace('_', ' ')}"
                + (f" ({p['points']} violation points, {p['track']} track)" if p.get("points") else "")
                for p in decision.statement["problems"]
            )
            + "."
        )
    elif decision.points:
        parts.append(f"{decision.points} violation points on the merchant's {decision.track} track.")
    facts = decision.statement.get("facts") or ""
    if facts:
        # The reviewer's own words, with the personal data a consumer may have written masked.
        parts.append("Facts found: " + mask_text(facts, names=case.reporter_names()))
    return _statement(
        dsa,
        category,
        restriction,
        puid=decision_puid(decision),
        facts=" ".join(parts),
        applied_at=decision.decided_at,
        ends_at=None,
        content_date=_content_date(case),
        automated_decision="AUTOMATED_DECISION_FULLY" if decision.automated else "AUTOMATED_DECISION_NOT_AUTOMATED",
        own_initiative=case.own_initiative,
        trusted_flagger=case.trusted_flagger,
    )


def for_measure(measure: Any) -> dict[str, Any] | None:
    """Return the statement for a measure, or None when it restricts nothing (a warning).

    The measure starts by itself when a decision's points cross the ladder's threshold: partially
    automated after a person's decision, fully after an automated one. Its category is the category
    of the case whose points crossed it. UnmappedError when the kind or category has no entry.
    """
    case = measure.trigger_case
    version, dsa = mapping(measure.rulebook_version)
    restriction = dsa.measures.get(measure.kind)
    if restriction is None:
        raise UnmappedError(
            f"measure {measure.kind!r} (measure {measure.pk}) has no [dsa.measures] entry in rulebook version {version}"
        )
    if not restriction.statement:
        return None
    category = _category(dsa, version, case.category)
    trigger = case.decisions.filter(decided_at__lte=measure.starts_at).order_by("decided_at", "id").last()
    automated = trigger is not None and trigger.automated
    length = ""
    if measure.ends_at is not None:
        length = f" until {_day(measure.ends_at)}"
    facts = (
        f"The merchant's {measure.track}-track violation points reached {measure.threshold} with the decision "
        f"on case {case.reference}; the penalty ladder of the marketplace's rules, version "
        f"{measure.rulebook_version}, then starts the measure '{measure.kind.replace('_', ' ')}'{length}. "
        f"Cases whose points made up the total: {', '.join(measure.cases) or case.reference}."
    )
    return _statement(
        dsa,
        category,
        restriction,
        puid=measure_puid(measure),
        facts=facts,
        applied_at=measure.starts_at,
        ends_at=measure.ends_at,
        content_date=_content_date(case),
        automated_decision="AUTOMATED_DECISION_FULLY" if automated else "AUTOMATED_DECISION_PARTIALLY",
        own_initiative=case.own_initiative,
        trusted_flagger=case.trusted_flagger,
    )
