"""Create-or-update of the marketplace's data, idempotent by the marketplace's own IDs."""

from django.db import transaction

from plaint.errors import InvalidInput

from .inputs import ConsumerIn, ListingIn, MerchantIn, OrderIn
from .models import Consumer, Listing, Merchant, Order, OrderItem


def _merchant(external_id: str, field: str) -> Merchant:
    try:
        return Merchant.objects.get(external_id=external_id)
    except Merchant.DoesNotExist:
        raise InvalidInput(
            "unknown_merchant",
            f"No merchant with id {external_id!r}.",
            field=field,
            hint="Push the merchant first (PUT /api/marketplace/merchants/{id}), then this record.",
        ) from None


@transaction.atomic
def upsert_merchant(data: MerchantIn) -> tuple[Merchant, bool]:
    """Create or update a merchant; return it and whether it was created."""
    return Merchant.objects.update_or_create(
        external_id=data.id,
        defaults={
            "name": data.name,
            "country": data.country,
            "cross_border": data.cross_border,
            "status": data.status,
            "contact_email": data.contact_email,
            "contact_phone": data.contact_phone,
            "group": data.group.strip(),
            "registered_name": data.registered_name.strip(),
            "registered_address": data.registered_address.strip(),
            "registration_number": data.registration_number.strip(),
        },
    )


def upsert_consumer(data: ConsumerIn) -> tuple[Consumer, bool]:
    """Create or update a consumer; return it and whether it was created."""
    return Consumer.objects.update_or_create(
        external_id=data.id,
        defaults={
            "name": data.name,
            "email": data.email,
            "email_verified": data.email_verified,
            "phone": data.phone,
            "language": data.language,
        },
    )


@transaction.atomic
def upsert_listing(data: ListingIn) -> tuple[Listing, bool]:
    """Create or update a listing of a known merchant."""
    merchant = _merchant(data.merchant_id, "merchant_id")
    return Listing.objects.update_or_create(
        external_id=data.id,
        defaults={
            "merchant": merchant,
            "title": data.title,
            "brand": data.brand.strip(),
            "origin_country": data.origin_country or "",
            "customs_declaration_no": data.customs_declaration_no,
            "batch": data.batch,
            "expiry_date": data.expiry_date,
            "declared": data.declared,
            "status": data.status,
        },
    )


@transaction.atomic
def upsert_order(data: OrderIn) -> tuple[Order, bool]:
    """Create or update an order with its consumer and items (the items are replaced as sent)."""
    merchant = _merchant(data.merchant_id, "merchant_id")
    consumer, _ = upsert_consumer(data.consumer)
    listing_ids = {item.listing_id for item in data.items if item.listing_id}
    listings = {listing.external_id: listing for listing in Listing.objects.filter(external_id__in=listing_ids)}
    for index, item in enumerate(data.items):
        if item.listing_id and item.listing_id not in listings:
            raise InvalidInput(
                "unknown_listing",
                f"No listing with id {item.listing_id!r}.",
                field=f"items[{index}].listing_id",
                hint="Push the listing first, or leave listing_id out for an item without a listing.",
            )
        if item.listing_id and listings[item.listing_id].merchant_id != merchant.pk:
            raise InvalidInput(
                "listing_of_other_merchant",
                f"Listing {item.listing_id!r} belongs to another merchant than {data.merchant_id!r}.",
                field=f"items[{index}].listing_id",
            )
    order, created = Order.objects.update_or_create(
        external_id=data.id,
        defaults={
            "consumer": consumer,
            "merchant": merchant,
            "currency": data.currency,
            "amount_paid": data.amount_paid,
            "tariff_paid": data.tariff_paid,
            "paid_at": data.paid_at,
            "shipped_at": data.shipped_at,
            "delivered_at": data.delivered_at,
        },
    )
    order.items.all().delete()
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            listing=listings.get(item.listing_id) if item.listing_id else None,
            title=item.title,
            quantity=item.quantity,
            unit_price=item.unit_price,
        )
        for item in data.items
    )
    return order, created
