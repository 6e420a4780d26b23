from django.contrib import admin
from django.urls import include, path

from plaint.api.urls import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("plaint.web.casework_urls")),
    path("", include("plaint.web.urls")),
]
