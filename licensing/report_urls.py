"""Legal pages, included under /legal/: the dashboard and one page per report."""

from django.urls import path

from licensing import report_views

urlpatterns = [
    path("", report_views.dashboard, name="legal-dashboard"),
    path("reports/<str:name>/", report_views.report_page, name="legal-report"),
]
