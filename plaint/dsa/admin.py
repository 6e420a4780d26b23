from django.contrib import admin
from django.http import HttpRequest

from .models import DsaStatement


@admin.register(DsaStatement)
class DsaStatementAdmin(admin.ModelAdmin):
    """Read-only: the statements and where each stands; the worker alone changes them."""

    list_display = ("puid", "state", "attempts", "next_attempt_at", "submitted_at", "last_error")
    list_filter = ("state",)
    search_fields = ("puid",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
