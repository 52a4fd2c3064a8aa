"""The project's URLs plus the legal pages under /legal/ and the report API under /api/v1/."""

from django.urls import include, path

from studio.urls import urlpatterns as base

urlpatterns = [
    *base,
    path("legal/", include("legal.urls")),
    path("api/v1/", include(("legal.api_urls", "reports"))),
]
