"""The assets app's API routes, included under /api/v1/ by the root URLconf."""

from django.urls import path

from assets import api
from studio.api.routers import app_router

urlpatterns = [
    path("credentials/verify", api.CredentialsVerifyView.as_view(), name="credentials-verify"),
    *app_router(api.ROUTES).urls,
]
