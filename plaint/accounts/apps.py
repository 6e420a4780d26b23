from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "plaint.accounts"
    label = "accounts"
