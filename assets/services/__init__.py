"""Writes on footage and people: ingest, people, appearances, lineage edges, withdrawal. Each is audited."""

from assets.services.common import file_too_large_message
from assets.services.credentials import asset_credentials, credentials_verify_upload, output_stamp
from assets.services.ingest import (
    IngestResult,
    asset_ingest,
    asset_make_derivatives,
    clean_filename,
    server_paths_expand,
)
from assets.services.lineage import derivation_record
from assets.services.people import (
    PERSON_FIELDS,
    appearance_create,
    appearance_create_many,
    appearance_delete,
    appearance_update,
    person_create,
    person_update,
)
from assets.services.withdrawal import asset_ensure_downloadable, asset_withdraw

__all__ = [
    "IngestResult",
    "PERSON_FIELDS",
    "appearance_create",
    "appearance_create_many",
    "appearance_delete",
    "appearance_update",
    "asset_credentials",
    "asset_ensure_downloadable",
    "asset_ingest",
    "asset_make_derivatives",
    "asset_withdraw",
    "clean_filename",
    "credentials_verify_upload",
    "derivation_record",
    "file_too_large_message",
    "output_stamp",
    "person_create",
    "person_update",
    "server_paths_expand",
]
