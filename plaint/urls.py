from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from plaint.api.urls import api

# The admin's title and header name Plaint, in the reader's language (Django's own read "Django 管理").
admin.site.site_title = _("Plaint administration")
admin.site.site_header = _("Plaint administration")
admin.site.index_title = _("Rulebook, people and records")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("plaint.web.casework_urls")),
    path("", include("plaint.web.urls")),
]
