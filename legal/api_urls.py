"""Legal's API routes, included under /api/v1/ by the root URLconf."""

from django.urls import path

from legal.api import ReportView

urlpatterns = [path("reports/<str:name>/", ReportView.as_view(), name="report")]
