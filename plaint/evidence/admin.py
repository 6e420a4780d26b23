from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import Evidence


@admin.register(Evidence)
class EvidenceAdmin(ReadOnly):
    list_display = ("case", "kind", "party", "content_type", "size", "sha256", "captured_at", "had_location")
    list_filter = ("kind", "party", "content_type")
    search_fields = ("sha256", "case__reference")
