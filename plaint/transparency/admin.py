from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import ComputedDay


@admin.register(ComputedDay)
class ComputedDayAdmin(ReadOnly):
    list_display = ("day", "computed_at", "rows")
