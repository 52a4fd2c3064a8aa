from licensing.models.clearance import ClearanceRequest, GateEvaluation
from licensing.models.consents import Consent, Revocation
from licensing.models.licenses import AssetRightsHolder, Grant, License, LicensedAsset, Party
from licensing.models.taint import TaintCause, TaintRecord, TaintRun

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
    "TaintCause",
    "TaintRecord",
    "TaintRun",
]
