from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import MerchantFigures, MonitoringFlag


@admin.register(MonitoringFlag)
class MonitoringFlagAdmin(ReadOnly):
    list_display = ("merchant", "reason", "raised_at", "state", "closed_by", "closed_at")
    list_filter = ("reason", "state")


@admin.register(MerchantFigures)
class MerchantFiguresAdmin(ReadOnly):
    list_display = ("merchant", "computed_at", "orders", "reports", "report_rate", "baseline_rate", "upheld_rate")
