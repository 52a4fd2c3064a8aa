"""Video proxies keep every frame at its own time, and the sound: as long as the original."""

from pathlib import Path

import av
import pytest
from django.core.files.storage import default_storage

from assets import services
from assets.synthetic import make_clip


def _measure(path: Path) -> dict:
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        pts = [frame.pts * frame.time_base for frame in container.decode(video)]
        return {
            "frames": len(pts),
            "duration": float(container.duration / av.time_base),
            "fps": float(video.average_rate),
            "last_frame_at": float(pts[-1]),
            "increasing": all(a < b for a, b in zip(pts, pts[1:], strict=False)),
            "audio": [s.codec_context.name for s in container.streams.audio],
        }


def _proxy_of(actor, production, path: Path, tmp_path: Path) -> Path:
    asset = services.asset_ingest(
        actor=actor, production=production, source=path, filename=path.name
    ).asset
    asset = services.asset_make_derivatives(asset_id=asset.pk)
    copy = tmp_path / "proxy.mp4"
    with default_storage.open(asset.proxy_key, "rb") as proxy:
        copy.write_bytes(proxy.read())
    return copy


def test_the_proxy_has_the_original_s_frames_duration_and_sound(
    coordinator, production, clip, tmp_path
):
    original = _measure(clip)

    proxy = _measure(_proxy_of(coordinator, production, clip, tmp_path))

    one_frame = 1 / original["fps"]
    assert proxy["frames"] == original["frames"] == 48
    assert proxy["duration"] == pytest.approx(original["duration"], abs=one_frame)
    assert proxy["last_frame_at"] == pytest.approx(original["last_frame_at"], abs=one_frame / 2)
    assert proxy["increasing"]
    assert proxy["fps"] == original["fps"]
    assert proxy["audio"] == ["aac"]


@pytest.mark.parametrize(
    ("name", "fps", "seconds", "audio", "codec"),
    [
        ("silent.mov", 30, 1.5, False, "libx264"),
        ("camera.mkv", 25, 3.0, True, "mpeg4"),  # no per-stream duration in the container
    ],
)
def test_other_rates_and_containers_keep_their_length(
    coordinator, production, tmp_path, name, fps, seconds, audio, codec
):
    source = make_clip(tmp_path / name, seconds=seconds, fps=fps, audio=audio, codec=codec)
    original = _measure(source)

    proxy = _measure(_proxy_of(coordinator, production, source, tmp_path))

    assert proxy["frames"] == original["frames"] == round(seconds * fps)
    assert proxy["duration"] == pytest.approx(seconds, abs=1 / fps)
    assert proxy["audio"] == (["aac"] if audio else [])
