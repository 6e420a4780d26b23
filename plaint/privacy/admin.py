from django.contrib import admin

from plaint.admin_helpers import ReadOnly

from .models import ErasureRequest, LegalHold, Purge


# Holds are set and lifted through plaint.privacy.holds (logged on the case), purges and erasure
# requests written by their jobs: the admin only shows them.
@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnly):
    list_display = ("case", "set_at", "set_by", "lifted_at")
    list_select_related = ("case", "set_by")


@admin.register(Purge)
class PurgeAdmin(ReadOnly):
    list_display = ("at", "scope", "case", "rule")
    list_filter = ("scope",)
    list_select_related = ("case",)


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnly):
    list_display = ("requested_at", "consumer", "due_at", "answered_at")
    list_select_related = ("consumer",)
