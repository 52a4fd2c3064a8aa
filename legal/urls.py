"""Legal pages, included under /legal/: the dashboard, one page per report, withdrawal, provenance
pictures (of an asset, or of an edit job: its output, else its first input)."""

from django.urls import path

from legal import provenance_views, views, withdraw_views

urlpatterns = [
    path("", views.dashboard, name="legal-dashboard"),
    path("reports/<str:name>/", views.report_page, name="legal-report"),
    path("provenance/<int:asset_id>/", provenance_views.provenance_page, name="provenance"),
    path("withdraw/", withdraw_views.withdraw_page, name="legal-withdraw"),
    path("pick/<str:kind>/", views.pick, name="legal-pick"),
    path("provenance/job/<int:job_id>/", provenance_views.job_provenance, name="provenance-job"),
    path("provenance/<int:asset_id>.svg", provenance_views.provenance_svg, name="provenance-svg"),
]
