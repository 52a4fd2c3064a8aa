"""The editing app's API routes, included under /api/v1/ by the root URLconf."""

from editing import api
from studio.api.routers import app_router

urlpatterns = app_router(api.ROUTES).urls
