from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnly):
    list_display = ("received_at", "sender", "recipient", "subject", "outcome", "reason", "case")
    list_filter = ("outcome", "reason")
    search_fields = ("sender", "message_id", "subject", "case__reference")
    list_select_related = ("case",)
