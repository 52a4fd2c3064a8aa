"""Stamp and verify one file in a fresh process; prints timings and peak RSS as JSON."""

import json
import resource
import sys
import time
from pathlib import Path


def main(path: str, mime_type: str) -> None:
    import django

    django.setup()
    from assets.credentials.manifest import OutputFacts
    from assets.credentials.reading import read_credentials
    from assets.credentials.stamp import stamp

    source = Path(path)
    target = source.with_name("stamped-" + source.name)
    facts = OutputFacts(title=target.name, operation="benchmark", seed=1)
    start = time.perf_counter()
    stamp(source=source, target=target, mime_type=mime_type, facts=facts, ingredients=[])
    stamped = time.perf_counter() - start
    start = time.perf_counter()
    reading = read_credentials(target, mime_type)
    verified = time.perf_counter() - start
    target.unlink()
    print(
        json.dumps(
            {
                "stamp": stamped,
                "verify": verified,
                "state": reading.state,
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:3])
