"""Merchants, listings, orders and consumers, as the marketplace tells us about them.

Plaint keeps what decisions need; the marketplace stays the source of truth and pushes updates,
keyed by its own IDs (`external_id`).
"""

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhoneKey(models.Func):
    """A phone number as Plaint compares it: without spaces and dashes ("138 0000-1001" → "13800001001").

    The literals are in the SQL rather than bound as parameters, so that the database recognises the
    expression of the index consumer_phone_key in a query (SQLite matches an indexed expression only
    when it is written the same way, and a bound parameter is not).
    """

    template = "REPLACE(REPLACE(%(expressions)s, ' ', ''), '-', '')"
    output_field = models.CharField()


def phone_key(column: str = "phone") -> PhoneKey:
    """Return the expression a phone number is compared by (the one index consumer_phone_key is on)."""
    return PhoneKey(column)


class MerchantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESTRICTED = "restricted", "Restricted"
    SUSPENDED = "suspended", "Suspended"
    REMOVED = "removed", "Removed"


class Merchant(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2 code of the merchant's seat")
    cross_border = models.BooleanField(default=True)
    status = models.CharField(max_length=20, choices=MerchantStatus.choices, default=MerchantStatus.ACTIVE)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    # The group of companies the merchant belongs to, if any: committee members declare conflicts by group.
    group = models.CharField(max_length=200, blank=True, default="", db_default="")
    # The company behind the shop as registered (营业执照 or its foreign equivalent): 12315 and the courts name
    # the respondent by its registered name and address, not by the shop's name (plaint/dossier/complaint.py).
    registered_name = models.CharField(max_length=300, blank=True, default="", db_default="")
    registered_address = models.CharField(max_length=500, blank=True, default="", db_default="")
    # The registration number: a mainland unified social credit code (统一社会信用代码) or the seat's own.
    registration_number = models.CharField(max_length=64, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Consumer(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    # The marketplace has confirmed that this consumer receives mail at `email` (a link they followed,
    # a code they typed). Only then does a report mailed from that address file at once; from an
    # unverified one it is held until the owner confirms it (plaint/inbound, docs/inbound-mail.md).
    # The database default too: code that does not know the column yet (a rolling deploy, a migration
    # test at an older state) still inserts consumers, as unverified.
    email_verified = models.BooleanField(default=False, db_default=False)
    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=10, default="zh-hans")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("consumer")
        verbose_name_plural = _("consumers")
        # The agent console finds a caller by phone, e-mail or the start of their name
        # (plaint/web/agent.py: exact matches and a name range, each on its own index).
        indexes = [
            models.Index(fields=["phone"], name="consumer_phone"),
            # A number read out as "138 0000-1001" finds the one stored as "13800001001" and the reverse.
            models.Index(phone_key(), name="consumer_phone_key"),
            models.Index(fields=["email"], name="consumer_email"),
            models.Index(fields=["name"], name="consumer_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.external_id})"


class Listing(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="listings")
    title = models.CharField(max_length=500)
    # The brand of the goods, if the marketplace knows it: committee members declare conflicts by brand.
    brand = models.CharField(max_length=200, blank=True, default="", db_default="")
    origin_country = models.CharField(max_length=2, blank=True)
    # Declared data, as the merchant declared it to customs and on the listing.
    customs_declaration_no = models.CharField(max_length=64, blank=True)
    batch = models.CharField(max_length=64, blank=True)
    expiry_date = models.DateField(null=True, blank=True)
    declared = models.JSONField(default=dict, blank=True, help_text="Any further declared fields")
    status = models.CharField(max_length=20, default="active")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")

    def __str__(self) -> str:
        return self.title


class Order(models.Model):
    external_id = models.CharField(max_length=64, unique=True)
    consumer = models.ForeignKey(Consumer, on_delete=models.PROTECT, related_name="orders")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="orders")
    currency = models.CharField(max_length=3, default="CNY")
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2)
    tariff_paid = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    paid_at = models.DateTimeField()
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")

    def __str__(self) -> str:
        return self.external_id


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    listing = models.ForeignKey(Listing, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    title = models.CharField(max_length=500)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        indexes = [
            # A listing's buyers (plaint/buyers/actions.py): its items with their orders, read from the index
            # alone; the order's payment time is then one primary-key lookup per item.
            models.Index(fields=["listing", "order"], name="order_item_listing_order"),
        ]
