"""Read and validate C2PA Content Credentials found in a file, without ever raising on bad ones.

Whether a file holds a manifest store is decided by the container's structure (``containers``),
never by text found in it. States:

- none: no store where the format puts one (whatever the file's text or XMP says);
- trusted / valid: the store verifies (signer on our trust list, or not);
- ingredient_failed: the store verifies, but an ingredient's own manifest failed validation; the
  chain shows the codes on that ingredient;
- remote: the file points at a manifest stored elsewhere, which we do not fetch
  (``manifest.inaccessible``): not verified, not damaged;
- invalid: a store is present and fails validation (or cannot be parsed). Only this quarantines.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import c2pa

from assets.choices import C2paState
from assets.credentials import containers
from assets.credentials.config import c2pa_context

_STATES = {"Trusted": C2paState.TRUSTED, "Valid": C2paState.VALID, "Invalid": C2paState.INVALID}
SUMMARIES = {
    C2paState.NONE: "No Content Credentials.",
    C2paState.TRUSTED: "Content Credentials are intact and signed by a trusted signer.",
    C2paState.VALID: "Content Credentials are intact, but the signer is not on our trust list.",
    C2paState.INGREDIENT_FAILED: (
        "Content Credentials are intact, but the credentials of an ingredient failed validation."
    ),
    C2paState.REMOTE: (
        "Not verified: the manifest is stored remotely and remote manifests are not fetched."
    ),
    C2paState.INVALID: "Content Credentials are invalid: the file or its credentials changed after signing.",
}
# Codes about whether the signer is on a trust list: a Valid (not Trusted) reading's reason, never
# a reason for Invalid (an untrusted signer alone reads as Valid).
TRUST_CODES = frozenset({"signingCredential.untrusted"})
INACCESSIBLE = "manifest.inaccessible"
UNREADABLE_CODE = "manifest.unreadable"
UNREADABLE = (
    "A C2PA manifest store is present but cannot be parsed; it was damaged or tampered with."
)
MULTIPLE = "The file carries {count} C2PA manifest stores where the format allows one."


@dataclass
class CredentialReading:
    state: str = C2paState.NONE
    active_manifest: str = ""
    manifest: dict | None = None
    failure_codes: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    signer_trusted: bool = False
    remote_url: str = ""
    ingredient_validation: dict = field(default_factory=dict)  # manifest label -> per ingredient

    @property
    def summary(self) -> str:
        text = SUMMARIES[self.state]
        if self.state in (C2paState.INVALID, C2paState.INGREDIENT_FAILED) and self.failure_codes:
            text += f" ({', '.join(self.failure_codes)})"
        if self.state == C2paState.REMOTE and self.remote_url:
            text += f" ({self.remote_url})"
        return text

    def as_dict(self) -> dict:
        return {
            "state": self.state,
            "summary": self.summary,
            "active_manifest": self.active_manifest,
            "failure_codes": self.failure_codes,
            "explanations": self.explanations,
            "signer_trusted": self.signer_trusted,
            "remote_url": self.remote_url or None,
            "chain": ingredient_tree(
                self.manifest, self.active_manifest, validation=self.ingredient_validation
            ),
        }


def _can_read(mime_type: str, manifest_data: bytes | None) -> bool:
    return manifest_data is not None or mime_type in c2pa.Reader.get_supported_mime_types()


def read_credentials(
    path: Path, mime_type: str, *, manifest_data: bytes | None = None
) -> CredentialReading:
    """The manifest store and its validation state; ``manifest_data`` reads a sidecar ``.c2pa``."""
    if not _can_read(mime_type, manifest_data):
        return CredentialReading()
    if mime_type == "image/jpeg" and manifest_data is None:
        streamed = _streamed_jpeg(path)
        if streamed is not None:
            return streamed
    try:
        with path.open("rb") as stream:
            reader = c2pa.Reader.try_create(
                mime_type, stream, manifest_data, context=c2pa_context()
            )
            if reader is None:
                return _absent(path, mime_type)
            with reader:
                store = json.loads(reader.json())
                results = reader.get_validation_results() or {}
                state = _STATES.get(reader.get_validation_state() or "", C2paState.INVALID)
    except c2pa.C2paError as exc:
        return _not_parsed(path, mime_type, exc, sidecar=manifest_data is not None)
    reading = _verified(store, results, state)
    if manifest_data is None:
        found = containers.scan(path, mime_type)
        if found is not None and len(found.stores) > 1:
            reading.explanations.append(MULTIPLE.format(count=len(found.stores)))
    return reading


# From this size on, a JPEG's hard binding is checked here, in one streamed pass, and the SDK
# validates everything else on the file's header alone: the SDK reads the whole file into memory
# (several copies of a large image) to compute the same hash.
STREAMED_MIN_BYTES = 16 * 1024 * 1024
HEADER_MAX_BYTES = 4 * 1024 * 1024
_HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def _streamed_jpeg(path: Path) -> CredentialReading | None:
    """A large JPEG with one store: the SDK reads the header (the store and what precedes it,
    ended as a JPEG), where the only thing it cannot check is the data hash; we check that over
    the real file. None when the file is not such a case (the SDK then reads the whole file)."""
    size = path.stat().st_size
    if size < STREAMED_MIN_BYTES:
        return None
    found = containers.scan(path, "image/jpeg")
    if found is None or len(found.stores) != 1 or not found.complete:
        return None
    if not 0 < found.stores_end <= HEADER_MAX_BYTES:
        return None
    with path.open("rb") as handle:
        header = handle.read(found.stores_end) + b"\xff\xd9"
    try:
        reader = c2pa.Reader.try_create(
            "image/jpeg", io.BytesIO(header), None, context=c2pa_context()
        )
        if reader is None:
            return None
        with reader:
            store = json.loads(reader.json())
            results = reader.get_validation_results() or {}
            detailed = json.loads(reader.detailed_json())
    except c2pa.C2paError:
        return None  # the whole-file read reports it as the SDK sees it
    label = store.get("active_manifest") or ""
    binding = (
        ((detailed.get("manifests") or {}).get(label) or {}).get("assertion_store") or {}
    ).get("c2pa.hash.data")
    if not label or not isinstance(binding, dict) or binding.get("alg", "sha256") not in _HASHES:
        return None
    if not _excludes_only_the_store(binding, found):
        return None
    active = dict(results.get("activeManifest") or {})
    binding_url = f"/{label}/c2pa.assertions/c2pa.hash.data"
    failures = [
        f
        for f in active.get("failure") or []
        if not (
            f.get("code") == "assertion.dataHash.mismatch"
            and f.get("url", "").endswith(binding_url)
        )
    ]
    if not _data_hash_matches(path, binding):
        failures.append(
            {
                "code": "assertion.dataHash.mismatch",
                "url": f"self#jumbf=/c2pa{binding_url}",
                "explanation": "asset hash error, name: jumbf manifest",
            }
        )
    active["failure"] = failures
    successes = _codes(active.get("success"))
    if any(f.get("code") not in TRUST_CODES for f in failures):
        state = C2paState.INVALID
    elif "signingCredential.trusted" in successes and not failures:
        state = C2paState.TRUSTED
    else:
        state = C2paState.VALID
    return _verified(store, {**results, "activeManifest": active}, state)


def _excludes_only_the_store(binding: dict, found: containers.Scan) -> bool:
    """Every byte past the header is hashed: the exclusions lie within the store's segments."""
    try:
        return all(
            found.stores[0] <= int(e["start"])
            and int(e["start"]) + int(e["length"]) <= found.stores_end
            for e in binding.get("exclusions") or []
        )
    except (KeyError, TypeError, ValueError):
        return False


def _data_hash_matches(path: Path, binding: dict) -> bool:
    """``c2pa.hash.data``: the hash of every byte of the file outside the exclusions."""
    try:
        expected = base64.b64decode(binding["hash"])
        exclusions = sorted(
            (int(e["start"]), int(e["length"])) for e in binding.get("exclusions") or []
        )
    except (KeyError, TypeError, ValueError):
        return False
    digest = _HASHES[binding.get("alg", "sha256")]()
    buffer = bytearray(1024 * 1024)
    view = memoryview(buffer)
    position = 0
    with path.open("rb") as handle:
        for start, length in [*exclusions, (None, 0)]:
            stop = start
            while stop is None or position < stop:
                want = len(buffer) if stop is None else min(len(buffer), stop - position)
                read = handle.readinto(view[:want])
                if not read:
                    break
                digest.update(view[:read])
                position += read
            if start is None:
                break
            position = max(position, start + length)
            handle.seek(position)
    return digest.digest() == expected


def _verified(store: dict, results: dict, state: str) -> CredentialReading:
    active = results.get("activeManifest") or {}
    failures = list(active.get("failure") or [])
    successes = {s.get("code") for s in active.get("success") or []}
    if state == C2paState.INVALID and any(f.get("code") not in TRUST_CODES for f in failures):
        failures = [f for f in failures if f.get("code") not in TRUST_CODES]
    label = store.get("active_manifest") or ""
    validation = chain_validation(store, label, results.get("ingredientDeltas") or [])
    codes = sorted({f.get("code", "") for f in failures if f.get("code")})
    explanations = [f.get("explanation", "") for f in failures]
    failed = [
        (title, item)
        for title, item in _each_ingredient(store, validation)
        if item["failure_codes"]
    ]
    if state in (C2paState.TRUSTED, C2paState.VALID) and failed:
        state = C2paState.INGREDIENT_FAILED
        for title, item in failed:
            codes += [c for c in item["failure_codes"] if c not in codes]
            explanations.append(
                f"Ingredient {title!r}: its credentials failed validation"
                f" ({', '.join(item['failure_codes'])})."
            )
    return CredentialReading(
        state=state,
        active_manifest=label,
        manifest=store,
        failure_codes=codes,
        explanations=explanations,
        signer_trusted="signingCredential.trusted" in successes,
        ingredient_validation=validation,
    )


def _absent(path: Path, mime_type: str) -> CredentialReading:
    """The SDK found no store. A store where the format puts one, which the SDK could not even
    recognise, is one damaged past recognition: Invalid. Anything else is "none"."""
    found = containers.scan(path, mime_type)
    if found is not None and found.stores:
        return _unreadable()
    return CredentialReading()


def _not_parsed(path: Path, mime_type: str, exc: c2pa.C2paError, *, sidecar: bool):
    message = str(exc)
    if isinstance(exc, C2PA_REMOTE) or message.startswith("Remote"):
        url = message.split(" from url ", 1)[1].strip() if " from url " in message else ""
        return CredentialReading(
            state=C2paState.REMOTE,
            failure_codes=[INACCESSIBLE],
            explanations=[
                "The file's credentials are a remote manifest"
                + (f" at {url}" if url else "")
                + "; remote manifests are not fetched, so they were not verified."
            ],
            remote_url=url,
        )
    if sidecar:
        return _unreadable(message)
    found = containers.scan(path, mime_type)
    if found is not None:
        # The container's structure says whether a store is there; a file the C2PA library
        # cannot parse but which holds none is the media probe's to judge, not a credentials
        # failure.
        return _unreadable(message) if found.stores else CredentialReading()
    if isinstance(exc, CONTAINER_ERRORS):
        return CredentialReading()
    return _unreadable(message)


def _unreadable(message: str = "") -> CredentialReading:
    return CredentialReading(
        state=C2paState.INVALID,
        failure_codes=[UNREADABLE_CODE],
        explanations=[UNREADABLE] + ([message[:500]] if message else []),
    )


# The SDK's errors about the container itself (it could not walk the file), not about a store.
C2PA_REMOTE = getattr(c2pa.C2paError, "RemoteManifest", ())
CONTAINER_ERRORS = tuple(
    error
    for error in (
        getattr(c2pa.C2paError, name, None)
        for name in ("Io", "NotSupported", "ManifestNotFound", "Other")
    )
    if error is not None
)


def chain_validation(store: dict | None, label: str, deltas: list[dict]) -> dict:
    """Per manifest of the chain (by label), each ingredient's own validation: what was recorded
    when it was added, corrected by the deltas the SDK found on reading it now."""
    out: dict[str, list[dict]] = {}
    manifests = (store or {}).get("manifests") or {}
    pending = [label]
    while pending:
        current = pending.pop()
        manifest = manifests.get(current)
        if manifest is None or current in out or len(out) > 64:
            continue
        checks = []
        for ingredient in manifest.get("ingredients") or []:
            delta = _delta_for(deltas, current, ingredient.get("label") or "")
            checks.append(_ingredient_check(ingredient, delta))
            if ingredient.get("active_manifest"):
                pending.append(ingredient["active_manifest"])
        out[current] = checks
    return out


def _delta_for(deltas: list[dict], manifest_label: str, assertion_label: str) -> dict:
    if not assertion_label:
        return {}
    for delta in deltas:
        uri = delta.get("ingredientAssertionURI") or ""
        if f"/{manifest_label}/" in uri and uri.endswith(f"/c2pa.assertions/{assertion_label}"):
            return delta.get("validationDeltas") or {}
    return {}


def _codes(entries) -> set[str]:
    return {e.get("code") for e in entries or [] if isinstance(e, dict) and e.get("code")}


def _ingredient_check(ingredient: dict, delta: dict) -> dict:
    recorded = (ingredient.get("validation_results") or {}).get("activeManifest") or {}
    failures = _codes(recorded.get("failure")) | _codes(delta.get("failure"))
    successes = _codes(recorded.get("success")) | _codes(delta.get("success"))
    if not recorded:  # older ingredient assertions list their failures as validation_status
        failures |= _codes(ingredient.get("validation_status"))
    if "signingCredential.trusted" in successes:
        failures.discard("signingCredential.untrusted")
    failed = sorted(failures - TRUST_CODES)
    if not ingredient.get("active_manifest") and not failed:
        state = C2paState.NONE
    elif failed:
        state = C2paState.INVALID
    elif "signingCredential.trusted" in successes:
        state = C2paState.TRUSTED
    else:
        state = C2paState.VALID
    return {"title": ingredient.get("title"), "state": state, "failure_codes": failed}


def _each_ingredient(store: dict, validation: dict):
    for checks in validation.values():
        for check in checks:
            yield check["title"], check


def ingredient_tree(
    store: dict | None, label: str, depth: int = 0, *, validation: dict | None = None
) -> dict | None:
    """One manifest and, under it, the manifests of its ingredients: the chain of custody, each
    ingredient with its own validation (state and failure codes)."""
    if not store or not label or depth > 32:
        return None
    manifest = (store.get("manifests") or {}).get(label)
    if manifest is None:
        return None
    if validation is None:
        validation = chain_validation(store, label, [])
    actions = [
        {
            "action": a.get("action"),
            "digitalSourceType": a.get("digitalSourceType"),
            "softwareAgent": a.get("softwareAgent"),
        }
        for assertion in manifest.get("assertions", [])
        if assertion.get("label", "").startswith("c2pa.actions")
        for a in assertion.get("data", {}).get("actions", [])
    ]
    generator = (manifest.get("claim_generator_info") or [{}])[0]
    signature = manifest.get("signature_info") or {}
    checks = validation.get(label) or []
    return {
        "label": label,
        "title": manifest.get("title"),
        "generator": f"{generator.get('name', '')} {generator.get('version', '')}".strip(),
        "signed_by": signature.get("common_name") or signature.get("issuer"),
        "signed_at": signature.get("time"),
        "actions": actions,
        "ingredients": [
            {
                "title": ingredient.get("title"),
                "relationship": ingredient.get("relationship"),
                "validation": _public(checks[index] if index < len(checks) else None),
                "manifest": ingredient_tree(
                    store,
                    ingredient.get("active_manifest", ""),
                    depth + 1,
                    validation=validation,
                ),
            }
            for index, ingredient in enumerate(manifest.get("ingredients", []))
        ],
    }


def _public(check: dict | None) -> dict | None:
    if check is None or check["state"] == C2paState.NONE:
        return None
    return {"state": check["state"], "failure_codes": check["failure_codes"]}
