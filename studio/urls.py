from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from assets import api as assets_api
from editing import api as editing_api
from licensing import api as licensing_api
from licensing import provenance_views
from licensing.report_api import api_urlpatterns as report_api_urlpatterns
from studio.api import studio_views
from studio.webhooks import api as webhooks_api

router = DefaultRouter()
router.register("productions", studio_views.ProductionViewSet, basename="production")
router.register("tokens", studio_views.ApiTokenViewSet, basename="apitoken")
router.register("audit-events", studio_views.AuditEventViewSet, basename="auditevent")
for prefix, viewset, basename in [
    *assets_api.ROUTES,
    *licensing_api.ROUTES,
    *editing_api.ROUTES,
    *webhooks_api.ROUTES,
]:
    router.register(prefix, viewset, basename=basename)

api_v1 = [
    path("me/", studio_views.MeView.as_view(), name="me"),
    path("clearance/check", licensing_api.ClearanceCheckView.as_view(), name="clearance-check"),
    path(
        "credentials/verify", assets_api.CredentialsVerifyView.as_view(), name="credentials-verify"
    ),
    *report_api_urlpatterns,
    *router.urls,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(permission_classes=[]), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerView.as_view(url_name="schema", permission_classes=[]),
        name="api-docs",
    ),
    path("api-auth/", include("rest_framework.urls")),
    path("legal/", include("licensing.report_urls")),
    path("legal/", include(provenance_views.urlpatterns)),
]

handler400 = "studio.api.errors.handler400"
handler404 = "studio.api.errors.handler404"
handler500 = "studio.api.errors.handler500"
