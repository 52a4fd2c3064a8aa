"""The project's URLs plus the legal pages under /legal/ and the report API under /api/v1/."""

from django.urls import include, path

from licensing.report_api import api_urlpatterns
from studio.urls import urlpatterns as base

urlpatterns = [
    *base,
    path("legal/", include("licensing.report_urls")),
    path("api/v1/", include((api_urlpatterns, "reports"))),
]
