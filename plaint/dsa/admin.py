from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import DsaStatement
from .submission import requeue


@admin.register(DsaStatement)
class DsaStatementAdmin(admin.ModelAdmin):
    """Read-only: the statements and where each stands; the worker alone changes them."""

    list_display = ("puid", "state", "attempts", "next_attempt_at", "submitted_at", "last_error")
    list_filter = ("state",)
    search_fields = ("puid",)
    actions = ["rebuild_and_send"]

    @admin.action(description="Rebuild from the rulebook and send again (rejected, dead or unmapped)")
    def rebuild_and_send(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = requeue(list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} statements rebuilt and queued.", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
