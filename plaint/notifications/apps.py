from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "plaint.notifications"
    label = "notifications"
