from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .delivery import retry_dead
from .models import OutboxMessage, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "created_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("idempotency_key", "topic", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "topic")
    search_fields = ("idempotency_key",)
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Retry the selected dead letters")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = sum(retry_dead(message.pk) for message in queryset)
        self.message_user(request, f"{count} message(s) queued again.", messages.SUCCESS)
