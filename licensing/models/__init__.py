from licensing.models.clearance import ClearanceRequest, GateEvaluation
from licensing.models.consents import Consent, Revocation
from licensing.models.licenses import AssetRightsHolder, Grant, License, LicensedAsset, Party

__all__ = [
    "AssetRightsHolder",
    "ClearanceRequest",
    "Consent",
    "GateEvaluation",
    "Grant",
    "License",
    "LicensedAsset",
    "Party",
    "Revocation",
]
