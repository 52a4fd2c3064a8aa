"""Licenses as W3C ODRL 2.2 JSON-LD policies and back: ``export`` writes, ``importer`` reads."""

from licensing.odrl.export import license_to_odrl
from licensing.odrl.importer import odrl_to_license
from licensing.odrl.terms import NS, ODRL_CONTEXT, PROFILE

__all__ = ["NS", "ODRL_CONTEXT", "PROFILE", "license_to_odrl", "odrl_to_license"]
