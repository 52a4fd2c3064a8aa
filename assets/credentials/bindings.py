"""Stamping in one streamed pass: we compute the hard binding, the C2PA SDK signs it.

``Builder.sign`` reads and writes the whole file through Python stream callbacks a few kilobytes
at a time and holds an image whole in memory, several times over. The C API also lets the caller
hash the media and embed the store, which is what we do: the media is copied once through the
spool pipeline (read, hash and write overlap; large files go around the page cache) and hashed with
OpenSSL on the way, then the SDK signs a manifest carrying that hash.

- JPEG and PNG (``c2pa.hash.data``): the SDK makes a placeholder store of its final size in the
  form the format embeds (APP11 segments, a ``caBX`` chunk); we write the media with the
  placeholder where a store belongs, hashing every byte but the placeholder; the SDK signs that
  hash and exclusion, and the signed store overwrites the placeholder byte for byte.
- MP4 and QuickTime (``c2pa.hash.bmff.v3``): every top-level box but the excluded ones (``ftyp``,
  ``free``, ``skip``, ``mfra`` and the C2PA ``uuid`` box) contributes its file offset, eight bytes
  big-endian, then its bytes. We hash the copy that way, the SDK signs a manifest holding that
  assertion and returns the C2PA ``uuid`` box, which is appended: the boxes before it keep their
  offsets, so no chunk offset table needs rewriting.

A source that already carries a manifest store, or whose structure we cannot walk, is left to
``Builder.sign`` (it replaces an old store properly); so is any build of the native library that
lacks these functions.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import struct
import threading
from pathlib import Path
from typing import BinaryIO

import c2pa

from assets.credentials.containers import C2PA_BOX_UUID, Box, top_level_boxes
from assets.incoming import DIRECT_IO_ALIGN, SpoolWriter, copy_hashing

FORMATS = frozenset({"image/jpeg", "image/png"})
BMFF_FORMATS = frozenset({"video/mp4", "video/quicktime"})
BMFF_EXCLUDED = frozenset({b"ftyp", b"free", b"skip", b"mfra"})
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_LIMIT = 1 << 62

_Bytes = ctypes.POINTER(ctypes.c_ubyte)
_native_lock = threading.Lock()
_native_ready: bool | None = None


class BindingError(Exception):
    """The SDK refused a step of the data-hashed workflow; the message is the SDK's."""


def _native():
    """The C API's data-hashed functions, declared once; None where the library lacks them."""
    global _native_ready
    lib = getattr(getattr(c2pa, "c2pa", None), "_lib", None)
    with _native_lock:
        if _native_ready is None:
            try:
                placeholder = lib.c2pa_builder_data_hashed_placeholder
                sign = lib.c2pa_builder_sign_data_hashed_embeddable
                embeddable = lib.c2pa_builder_sign_embeddable
            except AttributeError:
                _native_ready = False
            else:
                placeholder.argtypes = [
                    ctypes.c_void_p,
                    ctypes.c_size_t,
                    ctypes.c_char_p,
                    ctypes.POINTER(_Bytes),
                ]
                placeholder.restype = ctypes.c_int64
                sign.argtypes = [
                    ctypes.c_void_p,
                    ctypes.c_void_p,
                    ctypes.c_char_p,
                    ctypes.c_char_p,
                    ctypes.c_void_p,
                    ctypes.POINTER(_Bytes),
                ]
                sign.restype = ctypes.c_int64
                embeddable.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(_Bytes)]
                embeddable.restype = ctypes.c_int64
                _native_ready = True
    return lib if _native_ready else None


def available(*handles) -> bool:
    """The native functions exist and the binding's objects expose their native handles."""
    return _native() is not None and all(
        getattr(handle, "_handle", None) is not None for handle in handles
    )


def _take(lib, pointer: _Bytes, length: int, step: str) -> bytes:
    if length < 0 or not pointer:
        raise BindingError(f"{step}: {_last_error(lib)}")
    try:
        return ctypes.string_at(pointer, length)
    finally:
        lib.c2pa_free(pointer)


def _last_error(lib) -> str:
    raw = lib.c2pa_error()
    if not raw:
        return "the C2PA library gave no reason"
    try:
        return ctypes.string_at(raw).decode("utf-8", "replace")
    finally:
        lib.c2pa_free(raw)


def insertion_offset(stream: BinaryIO, mime_type: str) -> int | None:
    """Where the manifest store goes, or None when the file already carries one (or its header
    cannot be walked): those are left to ``Builder.sign``."""
    try:
        if mime_type == "image/jpeg":
            return _jpeg_offset(stream)
        if mime_type == "image/png":
            return _png_offset(stream)
    except (struct.error, ValueError):
        return None
    return None


def _jpeg_offset(stream: BinaryIO) -> int | None:
    """After the leading JFIF/Exif segments, where c2pa puts its APP11 segments; None if a header
    segment is already an APP11 JUMBF segment (a store from an earlier signing)."""
    stream.seek(0)
    if stream.read(2) != b"\xff\xd8":
        return None
    offset, insert_at, leading = 2, 2, True
    while True:
        stream.seek(offset)
        prefix, marker, length = struct.unpack(">BBH", stream.read(4))
        if prefix != 0xFF or not 0xC0 <= marker <= 0xFE:
            return None
        if marker == 0xDA:  # start of scan: the header is over
            return insert_at
        if marker == 0xEB and stream.read(2) == b"JP":
            return None
        offset += 2 + length
        if leading and marker in (0xE0, 0xE1):
            insert_at = offset
        else:
            leading = False


def _png_offset(stream: BinaryIO) -> int | None:
    """After IHDR; None if any chunk before the image data is a ``caBX`` (an earlier store)."""
    stream.seek(0)
    if stream.read(8) != PNG_SIGNATURE:
        return None
    offset, insert_at = 8, None
    while True:
        stream.seek(offset)
        length, kind = struct.unpack(">I4s", stream.read(8))
        if kind == b"caBX":
            return None
        if kind == b"IHDR":
            insert_at = offset + 12 + length
        if kind in (b"IDAT", b"IEND"):
            return insert_at
        offset += 12 + length


def stamp_with_placeholder(
    builder: c2pa.Builder,
    signer: c2pa.Signer,
    source: BinaryIO,
    target: Path,
    mime_type: str,
    insert_at: int,
) -> bytes:
    """Write ``source`` to ``target`` with a signed store at ``insert_at``; returns the store."""
    lib = _native()
    pointer = _Bytes()
    length = lib.c2pa_builder_data_hashed_placeholder(
        builder._handle, signer.reserve_size(), mime_type.encode(), ctypes.byref(pointer)
    )
    placeholder = _take(lib, pointer, length, "Making the manifest placeholder")

    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        source.seek(0)
        head = source.read(insert_at)
        # Bring the bulk to an aligned file offset so that a large file can go around the cache.
        after = insert_at + len(placeholder)
        lead = source.read(-after % DIRECT_IO_ALIGN)
        digest = hashlib.sha256(head)
        digest.update(lead)
        _write_all(fd, head + placeholder + lead)
        _copy_into(source, fd, digest, start=after + len(lead))

        data_hash = {
            "exclusions": [{"start": insert_at, "length": len(placeholder)}],
            "name": "jumbf manifest",
            "alg": "sha256",
            "hash": list(digest.digest()),
            "pad": [],
        }
        pointer = _Bytes()
        length = lib.c2pa_builder_sign_data_hashed_embeddable(
            builder._handle,
            signer._handle,
            json.dumps(data_hash).encode(),
            mime_type.encode(),
            None,
            ctypes.byref(pointer),
        )
        signed = _take(lib, pointer, length, "Signing")
        if len(signed) != len(placeholder):
            raise BindingError(
                f"Signing: the signed store is {len(signed)} bytes, the placeholder"
                f" {len(placeholder)}."
            )
        os.pwrite(fd, signed, insert_at)
    finally:
        os.close(fd)
    return signed


def bmff_boxes(stream: BinaryIO) -> list[Box] | None:
    """The top-level boxes; None when the file already carries a C2PA box, when its last box runs
    to the end of the file (size 0: nothing can follow it), or when the boxes do not add up."""
    boxes = top_level_boxes(stream)
    if not boxes or any(box.c2pa or box.to_end for box in boxes):
        return None
    return boxes


class BmffHasher:
    """``c2pa.hash.bmff.v3`` over top-level boxes, fed the file in order in chunks of any size:
    each box not excluded contributes its offset (eight bytes, big-endian), then its bytes."""

    def __init__(self, boxes: list[Box]):
        self._sha = hashlib.sha256()
        self._spans = [(box.offset, box.offset + box.size) for box in boxes if not _excluded(box)]
        self._next = 0
        self._position = 0

    def update(self, data) -> None:
        start, end = self._position, self._position + len(data)
        self._position = end
        while self._next < len(self._spans):
            low, high = self._spans[self._next]
            if low >= end:
                return
            if low >= start:
                self._sha.update(struct.pack(">Q", low))
            self._sha.update(data[max(low, start) - start : min(high, end) - start])
            if high > end:
                return
            self._next += 1

    def digest(self) -> bytes:
        return self._sha.digest()

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def _excluded(box: Box) -> bool:
    return box.c2pa or box.kind in BMFF_EXCLUDED


def bmff_hash_assertion(digest: bytes) -> dict:
    exclusions = [{"xpath": "/uuid", "data": [{"offset": 8, "value": list(C2PA_BOX_UUID)}]}]
    exclusions += [{"xpath": f"/{kind.decode()}"} for kind in sorted(BMFF_EXCLUDED)]
    return {
        "label": "c2pa.hash.bmff.v3",
        "data": {
            "exclusions": exclusions,
            "alg": "sha256",
            "hash": list(digest),
            "name": "jumbf manifest",
        },
    }


def copy_hashing_bmff(
    source: BinaryIO, target: Path, boxes: list[Box]
) -> tuple[BmffHasher, SpoolWriter, int]:
    """Copy ``source`` to ``target`` hashing it as BMFF; the target stays open for the trailer."""
    hasher = BmffHasher(boxes)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        source.seek(0)
        writer = _copy_into(source, fd, hasher)
    except BaseException:
        os.close(fd)
        raise
    return hasher, writer, fd


def sign_embeddable(builder: c2pa.Builder, mime_type: str) -> bytes:
    """The signed store, composed for the format (for BMFF, a C2PA ``uuid`` box); the builder's
    context holds the signer and its manifest the hard binding."""
    lib = _native()
    pointer = _Bytes()
    length = lib.c2pa_builder_sign_embeddable(
        builder._handle, mime_type.encode(), ctypes.byref(pointer)
    )
    return _take(lib, pointer, length, "Signing")


def _copy_into(source: BinaryIO, fd: int, digest, *, start: int = 0) -> SpoolWriter:
    """The spool pipeline from ``source``'s position into ``fd`` at ``start``, feeding ``digest``;
    the writer it returns takes patches and trailers of any size afterwards."""
    writer = SpoolWriter(fd, expected_size=os.fstat(source.fileno()).st_size, start=start)
    copy_hashing(source, writer, NO_LIMIT, digest)
    writer.buffered()
    return writer


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
