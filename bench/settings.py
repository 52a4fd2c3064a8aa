"""The product's settings with the benchmarks' URLconf: the product's routes plus a bare view."""

from studio.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
