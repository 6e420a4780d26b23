from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from .models import ApiToken, User


@admin.register(User)
class PlaintUserAdmin(UserAdmin):
    list_display = ("username", "role", "merchant", "consumer", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Plaint", {"fields": ("role", "consumer", "merchant", "flagger", "language")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("user", "name", "created_at", "revoked_at")
    readonly_fields = ("key_hash",)
