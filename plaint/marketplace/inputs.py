"""The shapes in which the marketplace pushes its data, shared by the API and the JSON Lines import."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import ConfigDict, Field, StringConstraints, model_validator

from plaint.limits import MAX_QUANTITY, Day, Email, Input, Timestamp

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Country = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")]
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class Strict(Input):
    model_config = ConfigDict(extra="forbid")


class MerchantIn(Strict):
    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    country: Country
    cross_border: bool = True
    status: str = Field("active", pattern="^(active|restricted|suspended|removed)$")
    contact_email: Email = ""
    contact_phone: str = Field("", max_length=40)
    group: str = Field("", max_length=200)
    # The company as registered, for the complaint text and dossiers (12315 names the respondent by these).
    registered_name: str = Field("", max_length=300)
    registered_address: str = Field("", max_length=500)
    registration_number: str = Field("", max_length=64)


class ConsumerIn(Strict):
    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    email: Email = ""
    # Whether the marketplace confirmed the consumer receives mail at `email`; unsaid means not.
    email_verified: bool = False
    phone: str = Field("", max_length=40)
    language: str = Field("zh-hans", pattern="^(zh-hans|en)$")


class ListingIn(Strict):
    id: Id
    merchant_id: Id
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    brand: str = Field("", max_length=200)
    origin_country: Country | None = None
    customs_declaration_no: str = Field("", max_length=64)
    batch: str = Field("", max_length=64)
    expiry_date: Day | None = None
    declared: dict[str, Any] = Field(default_factory=dict)
    status: str = Field("active", max_length=20)


class OrderItemIn(Strict):
    listing_id: Id | None = None
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)
    unit_price: Money


class OrderIn(Strict):
    id: Id
    consumer: ConsumerIn
    merchant_id: Id
    currency: str = Field("CNY", pattern="^[A-Z]{3}$")
    amount_paid: Money
    tariff_paid: Money = Decimal("0")
    paid_at: Timestamp
    shipped_at: Timestamp | None = None
    delivered_at: Timestamp | None = None
    items: list[OrderItemIn] = Field(min_length=1)

    @model_validator(mode="after")
    def times_in_order(self) -> "OrderIn":
        if self.shipped_at and self.shipped_at < self.paid_at:
            raise ValueError("shipped_at is before paid_at; send the times the order really had")
        if self.delivered_at and self.delivered_at < (self.shipped_at or self.paid_at):
            raise ValueError("delivered_at is before shipped_at or paid_at; send the real delivery time")
        return self
