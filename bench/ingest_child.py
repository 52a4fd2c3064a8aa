"""One ingest in a fresh process, so its peak RSS is the ingest's own: prints JSON on stdout."""

import json
import resource
import sys
import time
from pathlib import Path


def main(path: str, production_code: str) -> None:
    import django

    django.setup()
    from assets import storage
    from assets.services import asset_ingest
    from studio.actors import SystemActor
    from studio.models import Production

    production = Production.objects.get(code=production_code)
    _warm_up(production, Path(path).parent)
    baseline_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    result = asset_ingest(
        actor=SystemActor("bench"),
        production=production,
        source=Path(path),
        filename=Path(path).name,
    )
    seconds = time.perf_counter() - start
    # Every run measures a first ingest: the next one must write the bytes again, not find them.
    storage.remove(result.asset.storage_key)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "startup_rss_kib": baseline_rss,
                "asset": result.asset.pk,
                "sha256": result.asset.sha256,
            }
        )
    )


def _warm_up(production, folder: Path) -> None:
    """A long-running server has its imports, codecs and broker connection ready, and the spool's
    buffers touched: ingest a still and a clip of the same container, larger than those buffers,
    first."""
    from assets.services import asset_ingest
    from assets.synthetic import make_clip, make_still
    from studio.actors import SystemActor

    seed = hash(production.code) % 1000
    samples = [
        make_still(folder / f"warm-{production.code}.png", seed=seed),
        make_clip(
            folder / f"warm-{production.code}.mov",
            seconds=8 / 24,  # 8 frames of 6 MB
            size=(1920, 1080),
            audio=False,
            seed=seed,
            codec="rawvideo",
            container_format="mov",
        ),
    ]
    for sample in samples:
        asset_ingest(
            actor=SystemActor("bench"), production=production, source=sample, filename=sample.name
        )
        sample.unlink()


if __name__ == "__main__":
    main(*sys.argv[1:3])
