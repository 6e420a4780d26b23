from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import HeldMail, InboundMail


@admin.register(InboundMail)
class InboundMailAdmin(ReadOnly):
    list_display = ("received_at", "sender", "recipient", "subject", "outcome", "reason", "case")
    list_filter = ("outcome", "reason")
    search_fields = ("sender", "message_id", "subject", "case__reference")
    list_select_related = ("case",)


@admin.register(HeldMail)
class HeldMailAdmin(ReadOnly):
    list_display = ("held_at", "mail", "consumer", "expires_at")
    list_select_related = ("mail", "consumer")
