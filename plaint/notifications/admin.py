from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from plaint.errors import InvalidInput

from . import topics
from .delivery import retry_dead
from .models import Notification, OutboxMessage, WebhookEndpoint


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    topics = forms.CharField(
        required=False,
        initial=topics.ALL,
        help_text="The topics this endpoint receives, separated by commas or spaces: a topic (case.decided), "
        "a family (remedy.*) or * for every topic (the same as leaving it empty). "
        f"Known topics: {', '.join(topics.TOPICS)}.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "secret", "active", "legacy_signature"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["topics"] = ", ".join(topics.topics_of(self.instance))

    def clean_topics(self) -> list[str]:
        try:
            return topics.normalise(self.cleaned_data["topics"].replace(",", " ").split())
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code=error.code) from error


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("name", "url", "active", "topic_list", "legacy_signature", "created_at")

    @admin.display(description="Topics")
    def topic_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(topics.topics_of(endpoint))

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: forms.ModelForm, change: bool) -> None:
        super().save_model(request, obj, form, change)
        topics.subscribe(obj, form.cleaned_data["topics"])


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
