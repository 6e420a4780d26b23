from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from plaint.admin_helpers import ReadOnly

from .flaggers import flagger_record, register_flagger
from .models import ReporterMeasure, TrustedFlagger


@admin.register(TrustedFlagger)
class TrustedFlaggerAdmin(admin.ModelAdmin):
    """Registering an organisation makes its reporter row; its accounts and tokens come from
    `manage.py trusted_flagger add-account`. The record shows what DSA art. 22(6) asks to watch."""

    list_display = ("name", "kind", "registered_at", "suspended_at", "filed", "upheld", "not_upheld", "imprecise")
    list_filter = ("kind",)
    fields = ("name", "kind", "contact_email", "note", "record", "registered_at", "suspended_at")
    readonly_fields = ("record", "registered_at", "suspended_at")
    actions = ("suspend", "reinstate")

    def save_model(self, request: HttpRequest, obj: TrustedFlagger, form: object, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        made = register_flagger(obj.name, obj.kind, contact_email=obj.contact_email, by=request.user)
        if obj.note:
            made.note = obj.note
            made.save(update_fields=["note"])
        obj.pk = made.pk
        obj.consumer = made.consumer
        obj.registered_at = made.registered_at

    def _record(self, obj: TrustedFlagger) -> dict:
        if not hasattr(obj, "_record_cache"):
            obj._record_cache = flagger_record(obj)
        return obj._record_cache

    @admin.display(description="Record")
    def record(self, obj: TrustedFlagger) -> str:
        if obj.pk is None:
            return "—"
        r = self._record(obj)
        share = "—" if r["imprecise_share"] is None else f"{r['imprecise_share']:.0%}"
        return (
            f"{r['filed']} filed: {r['open']} open, {r['upheld']} upheld, {r['not_upheld']} not upheld, "
            f"{r['inadmissible']} inadmissible, {r['withdrawn']} withdrawn; imprecise (not upheld or "
            f"inadmissible) {share}"
        )

    @admin.display(description="Filed")
    def filed(self, obj: TrustedFlagger) -> int:
        return self._record(obj)["filed"]

    @admin.display(description="Upheld")
    def upheld(self, obj: TrustedFlagger) -> int:
        return self._record(obj)["upheld"]

    @admin.display(description="Not upheld")
    def not_upheld(self, obj: TrustedFlagger) -> int:
        return self._record(obj)["not_upheld"]

    @admin.display(description="Imprecise share")
    def imprecise(self, obj: TrustedFlagger) -> str:
        share = self._record(obj)["imprecise_share"]
        return "—" if share is None else f"{share:.0%}"

    @admin.action(description="Suspend the trusted flagger status (DSA art. 22(6))")
    def suspend(self, request: HttpRequest, queryset: QuerySet[TrustedFlagger]) -> None:
        count = queryset.filter(suspended_at__isnull=True).update(suspended_at=timezone.now())
        self.message_user(request, f"{count} suspended; their accounts cannot file.", messages.SUCCESS)

    @admin.action(description="Reinstate the trusted flagger status")
    def reinstate(self, request: HttpRequest, queryset: QuerySet[TrustedFlagger]) -> None:
        count = queryset.filter(suspended_at__isnull=False).update(suspended_at=None)
        self.message_user(request, f"{count} reinstated.", messages.SUCCESS)


@admin.register(ReporterMeasure)
class ReporterMeasureAdmin(ReadOnly):
    list_display = ("consumer", "kind", "taken_at", "ends_at", "lifted_at", "appealed_at", "appeal_result")
    list_filter = ("kind", "appeal_result")
