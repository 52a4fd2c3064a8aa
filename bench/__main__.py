"""``python -m bench [NAME ...]``: run the benchmarks (all by default) on a scratch database."""

import argparse
import importlib
import inspect
import os
import sys

BENCHMARKS = [
    "audit_append",
    "ingest",
    "lineage",
    "gate",
    "stamp",
    "edit",
    "taint",
    "load",
    "api_list",
    "queue",
]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"one of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every benchmark's size")
    parser.add_argument(
        "--seconds", type=float, help="length of the timed benchmarks' runs (load, api_list)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile in-process instead of timing (load)"
    )
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")

    from bench.harness import scratch_database

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studio.settings")
    with scratch_database() as where:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        print(f"Clearcut benchmarks on {where}")
        for name in args.names or BENCHMARKS:
            run = importlib.import_module(f"bench.{name}").run
            accepted = inspect.signature(run).parameters
            extra = {
                k: v
                for k, v in (("seconds", args.seconds), ("profile", args.profile))
                if k in accepted and v
            }
            run(scale=args.scale, **extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
