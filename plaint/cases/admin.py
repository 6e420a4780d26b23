"""The Django admin shows cases and their logs read-only: every change goes through plaint.cases.actions."""

from django.contrib import admin
from django.http import HttpRequest

from plaint.admin_helpers import ReadOnly

from .models import (
    Appeal,
    AutoRuleReplay,
    AutoRuleShadow,
    AutoRuleSwitch,
    Case,
    CaseClock,
    CaseEvent,
    Decision,
    MerchantResponse,
    Report,
    StatementTemplate,
)


class EventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("at", "kind", "actor", "actor_role", "from_state", "to_state", "reason", "rulebook_version")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ClockInline(admin.TabularInline):
    """The case's service-level clocks (cases/clocks.py), each run with its marks."""

    model = CaseClock
    fields = (
        "stage",
        "started_at",
        "due_at",
        "paused_at",
        "remaining_seconds",
        "warned_at",
        "breached_at",
        "stopped_at",
    )
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnly):
    list_display = ("reference", "state", "category", "channel", "merchant", "priority", "opened_at", "claimed_by")
    list_filter = ("state", "category", "channel")
    search_fields = ("reference", "merchant__name", "merchant__external_id", "reporter__external_id")
    list_select_related = ("merchant", "claimed_by")
    inlines = [ClockInline, EventInline]


@admin.register(CaseClock)
class CaseClockAdmin(ReadOnly):
    list_display = ("case", "stage", "started_at", "due_at", "paused_at", "warned_at", "breached_at", "stopped_at")
    list_filter = ("stage", ("breached_at", admin.EmptyFieldListFilter), ("stopped_at", admin.EmptyFieldListFilter))
    search_fields = ("case__reference",)
    list_select_related = ("case",)


@admin.register(Report)
class ReportAdmin(ReadOnly):
    list_display = ("id", "category", "target_type", "merchant", "channel", "submitted_at")
    list_filter = ("category", "channel", "target_type")
    list_select_related = ("merchant",)


@admin.register(Decision)
class DecisionAdmin(ReadOnly):
    list_display = (
        "case",
        "outcome",
        "points",
        "track",
        "automated",
        "auto_rule",
        "decided_by",
        "decided_at",
        "rulebook_version",
    )
    list_filter = ("outcome", "automated", "track")


# Automated rules (cases/auto_rules.py): read-only here; replays and switches go through the page
# /review/auto-rules/, the API or `manage.py replay_rules`, which check who may and keep the audit trail.
@admin.register(AutoRuleSwitch)
class AutoRuleSwitchAdmin(ReadOnly):
    list_display = ("rulebook_version", "rule", "mode", "switched_by", "switched_at", "reason")
    list_filter = ("rulebook_version", "rule", "mode")


@admin.register(AutoRuleReplay)
class AutoRuleReplayAdmin(ReadOnly):
    list_display = ("rulebook_version", "rule", "months", "ran_at", "ran_by", "considered", "matched", "agreed")
    list_filter = ("rulebook_version", "rule")


@admin.register(AutoRuleShadow)
class AutoRuleShadowAdmin(ReadOnly):
    list_display = ("rulebook_version", "rule", "case", "would_outcome", "decided_outcome", "agree", "source")
    list_filter = ("rulebook_version", "rule", "agree", "source")


@admin.register(MerchantResponse)
class MerchantResponseAdmin(ReadOnly):
    list_display = ("case", "kind", "responded_by", "responded_at")


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnly):
    list_display = ("case", "at", "kind", "actor", "actor_role", "from_state", "to_state", "rulebook_version")
    list_filter = ("kind", "actor_role")
    search_fields = ("case__reference",)
    list_select_related = ("case", "actor")


@admin.register(StatementTemplate)
class StatementTemplateAdmin(admin.ModelAdmin):
    """Statement templates are operational text: staff add and edit them here."""

    list_display = ("category", "language", "outcome", "title", "updated_at")
    list_filter = ("language", "outcome", "category")
    search_fields = ("title", "body")


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ("case", "party", "appealed", "route", "state", "result", "filed_at", "decided_by", "decided_at")
    list_filter = ("state", "route", "party", "appealed", "result")
    search_fields = ("case__reference",)
    list_select_related = ("case", "decided_by")
