from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from plaint.accounts.models import Role
from plaint.admin_helpers import ReadOnly

from .actions import normalise_conflict
from .models import CommitteeMember, Conflict, Panel, PanelSeat, Vote


class ConflictInline(admin.TabularInline):
    model = Conflict
    extra = 1
    fields = ("kind", "value", "note", "declared_at")


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(admin.ModelAdmin):
    list_display = ("display_name", "seat", "term_from", "term_to", "load_cap", "active")
    list_filter = ("seat", "active")
    search_fields = ("display_name", "user__username")
    inlines = [ConflictInline]

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):  # noqa: ANN001, ANN201
        # Only committee accounts are offered: platform staff are never members (the model's clean says why).
        if db_field.name == "user":
            kwargs["queryset"] = db_field.related_model.objects.filter(role=Role.COMMITTEE)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:  # noqa: ANN001
        # Brands and groups are compared in lower case by the draw: store them so.
        for conflict in formset.save(commit=False):
            conflict.value = normalise_conflict(conflict.kind, conflict.value)
            conflict.save()
        for gone in formset.deleted_objects:
            gone.delete()


class SeatInline(admin.TabularInline):
    model = PanelSeat
    fk_name = "panel"
    extra = 0
    can_delete = False
    fields = ("position", "seat", "member", "state", "recusal_reason", "seated_at", "vote_due_at", "seed")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Panel)
class PanelAdmin(ReadOnly):
    list_display = ("id", "case", "subject", "state", "drawn_at", "due_at", "decided_at")
    list_filter = ("state",)
    search_fields = ("case__reference", "subject")
    inlines = [SeatInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Panel]:
        return super().get_queryset(request).select_related("case")


@admin.register(Vote)
class VoteAdmin(ReadOnly):
    list_display = ("panel", "member", "seat", "choice", "voted_at")
    list_filter = ("choice",)
