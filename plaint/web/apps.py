from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "plaint.web"
    label = "web"
