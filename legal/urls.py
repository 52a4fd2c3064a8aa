"""Legal pages, included under /legal/: the dashboard, one page per report, provenance pictures."""

from django.urls import path

from legal import provenance_views, views

urlpatterns = [
    path("", views.dashboard, name="legal-dashboard"),
    path("reports/<str:name>/", views.report_page, name="legal-report"),
    path("provenance/<int:asset_id>/", provenance_views.provenance_page, name="provenance"),
    path("provenance/<int:asset_id>.svg", provenance_views.provenance_svg, name="provenance-svg"),
]
