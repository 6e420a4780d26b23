from django.contrib import admin

from .models import RulebookVersion


@admin.register(RulebookVersion)
class RulebookVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "effective_from", "source_name", "published_at")
    readonly_fields = ("version", "effective_from", "source_name", "source_text", "sha256", "published_at")

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
