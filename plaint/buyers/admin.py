from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import PastBuyerRun


@admin.register(PastBuyerRun)
class PastBuyerRunAdmin(ReadOnly):
    list_display = ("decision", "kind", "listing", "orders_from", "orders_until", "created_at", "finished_at", "buyers")
    list_filter = ("kind",)
    search_fields = ("listing__external_id", "listing__title")
