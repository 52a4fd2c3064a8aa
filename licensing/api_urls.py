"""The licensing app's API routes, included under /api/v1/ by the root URLconf."""

from django.urls import path

from licensing import api
from studio.api.routers import app_router

urlpatterns = [
    path("clearance/check", api.ClearanceCheckView.as_view(), name="clearance-check"),
    *app_router(api.ROUTES).urls,
]
