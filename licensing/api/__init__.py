"""Licensing over the API: parties, licenses with grants, consents, clearance, the gate's dry run."""

from licensing.api.check import ClearanceCheckView, ReasonSerializer
from licensing.api.clearance import ClearanceRequestViewSet, GateEvaluationViewSet
from licensing.api.common import AssetIdsField, InstantField
from licensing.api.consents import ConsentViewSet
from licensing.api.licenses import LicenseViewSet, PartyViewSet

ROUTES = [
    ("parties", PartyViewSet, "party"),
    ("licenses", LicenseViewSet, "license"),
    ("consents", ConsentViewSet, "consent"),
    ("clearance-requests", ClearanceRequestViewSet, "clearancerequest"),
    ("gate-evaluations", GateEvaluationViewSet, "gateevaluation"),
]

__all__ = ["ROUTES", "AssetIdsField", "ClearanceCheckView", "InstantField", "ReasonSerializer"]
