from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import Measure, PointEntry, Rectification, RemedyInstruction


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnly):
    list_display = ("merchant", "track", "points", "case", "awarded_at", "expires_at", "revoked_at")
    list_filter = ("track",)
    search_fields = ("merchant__name", "merchant__external_id", "case__reference")


@admin.register(RemedyInstruction)
class RemedyInstructionAdmin(ReadOnly):
    list_display = ("case", "kind", "amount", "tariff_amount", "currency", "issued_at")
    list_filter = ("kind",)


@admin.register(Measure)
class MeasureAdmin(ReadOnly):
    list_display = ("merchant", "kind", "track", "threshold", "starts_at", "ends_at", "ended_at", "trigger_case")
    list_filter = ("kind", "track")
    search_fields = ("merchant__name", "merchant__external_id")


@admin.register(Rectification)
class RectificationAdmin(ReadOnly):
    list_display = ("case", "kind", "state", "due_at", "submitted_at", "reviewed_by")
    list_filter = ("state", "kind")
