"""The root URLconf. Each app registers its own API routes (``<app>.api_urls``) and pages
(``<app>.urls``); they are included here by name, so studio imports nothing from the floors above it."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.urlpatterns import format_suffix_patterns

from studio import health
from studio.api import studio_views
from studio.api.routers import ApiRootView, app_router
from studio.webhooks import api as webhooks_api

router = app_router(
    [
        ("productions", studio_views.ProductionViewSet, "production"),
        ("tokens", studio_views.ApiTokenViewSet, "apitoken"),
        ("audit-events", studio_views.AuditEventViewSet, "auditevent"),
        *webhooks_api.ROUTES,
    ]
)

api_v1 = [
    *format_suffix_patterns([path("", ApiRootView.as_view(), name="api-root")]),
    path("me/", studio_views.MeView.as_view(), name="me"),
    path("", include("assets.api_urls")),
    path("", include("licensing.api_urls")),
    path("", include("editing.api_urls")),
    path("", include("legal.api_urls")),
    *router.urls,
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[]),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        SpectacularRedocView.as_view(url_name="schema", permission_classes=[]),
        name="api-redoc",
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("legal/", include("legal.urls")),
]

handler400 = "studio.api.errors.handler400"
handler403 = "studio.api.errors.handler403"
handler404 = "studio.api.errors.handler404"
handler500 = "studio.api.errors.handler500"
