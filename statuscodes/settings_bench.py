"""Production settings plus the benchmark's floor view (see statuscodes/urls_bench.py)."""

from .settings import *  # noqa: F403

ROOT_URLCONF = "statuscodes.urls_bench"
