from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .delivery import retry_dead
from .models import Notification, OutboxMessage, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "legacy_signature", "created_at")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "idempotency_key",
        "channel",
        "topic",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "short_error",
    )
    list_filter = ("status", "channel", "topic")
    search_fields = ("idempotency_key", "recipient")
    actions = ["retry"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="Last error")
    def short_error(self, message: OutboxMessage) -> str:
        return message.last_error[:120]

    @admin.action(description="Retry the selected dead letters")
    def retry(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = sum(retry_dead(message.pk) for message in queryset)
        skipped = queryset.count() - count
        note = f" {skipped} selected message(s) were not dead letters and were left as they were." if skipped else ""
        self.message_user(request, f"{count} dead letter(s) queued again.{note}", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("user", "case_reference", "event", "title", "created_at", "read_at")
    list_filter = ("event",)
    search_fields = ("case_reference", "user__username")
    raw_id_fields = ("user",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
