from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import Suggestion, TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(ReadOnly):
    list_display = ("version", "trained_at", "rulebook_version", "active", "metrics", "cases")
    list_filter = ("active",)
    exclude = ("blob",)


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnly):
    list_display = ("made_at", "channel", "user", "rulebook_version", "model", "top_category")
    list_filter = ("channel", "top_category", "rulebook_version")
