from django.contrib import admin

from .models import Consumer, Listing, Merchant, Order, OrderItem


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "country", "cross_border", "status")
    list_filter = ("status", "country", "cross_border")
    search_fields = ("external_id", "name")


@admin.register(Consumer)
class ConsumerAdmin(admin.ModelAdmin):
    list_display = ("external_id", "name", "email")
    search_fields = ("external_id", "name", "email", "phone")


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ("external_id", "title", "merchant", "origin_country", "expiry_date")
    search_fields = ("external_id", "title")
    list_select_related = ("merchant",)


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("external_id", "consumer", "merchant", "amount_paid", "tariff_paid", "delivered_at")
    search_fields = ("external_id",)
    list_select_related = ("consumer", "merchant")
    inlines = [OrderItemInline]
