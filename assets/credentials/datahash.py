"""Stamping JPEG and PNG in one streamed pass: the data-hashed workflow of the C2PA C API.

``Builder.sign`` reads and writes the whole file through Python stream callbacks a few kilobytes
at a time and holds an image whole in memory, several times over. For formats whose hard binding is
a plain data hash (``c2pa.hash.data``) the C API offers another way, which we take:

1. the SDK builds the manifest store with a placeholder signature and returns it in the form the
   format embeds (JPEG APP11 segments, a PNG ``caBX`` chunk) at its final size;
2. we write the media with the placeholder where a manifest store belongs, hashing every byte but
   the placeholder with OpenSSL in the same pass (the spool pipeline: read, hash and write overlap,
   large files go around the page cache);
3. the SDK signs a ``c2pa.hash.data`` assertion carrying that hash and that exclusion, and returns
   the signed store, padded to the placeholder's size;
4. the signed store overwrites the placeholder, byte for byte.

A source that already carries a manifest store, or a header we cannot walk, is left to
``Builder.sign`` (it replaces an old store properly); so is any build of the native library that
lacks the two functions.
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

from assets.incoming import DIRECT_IO_AFTER, DIRECT_IO_ALIGN, SpoolWriter, copy_hashing

FORMATS = frozenset({"image/jpeg", "image/png"})
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NO_LIMIT = 1 << 62

_Bytes = ctypes.POINTER(ctypes.c_ubyte)
_native_lock = threading.Lock()
_native_ready: bool | None = None


class DataHashError(Exception):
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
                _native_ready = True
    return lib if _native_ready else None


def available(builder: c2pa.Builder, signer: c2pa.Signer) -> bool:
    return (
        _native() is not None
        and getattr(builder, "_handle", None) is not None
        and getattr(signer, "_handle", None) is not None
    )


def _take(lib, pointer: _Bytes, length: int, step: str) -> bytes:
    if length < 0 or not pointer:
        raise DataHashError(f"{step}: {_last_error(lib)}")
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


def stamp(
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

    size = os.fstat(source.fileno()).st_size
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
        writer = SpoolWriter(
            fd,
            direct_after=0 if size >= DIRECT_IO_AFTER else NO_LIMIT,
            start=after + len(lead),
        )
        copy_hashing(source, writer, NO_LIMIT, digest)

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
            raise DataHashError(
                f"Signing: the signed store is {len(signed)} bytes, the placeholder"
                f" {len(placeholder)}."
            )
        os.pwrite(fd, signed, insert_at)
    finally:
        os.close(fd)
    return signed


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
