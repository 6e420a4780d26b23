from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "plaint.marketplace"
    label = "marketplace"
