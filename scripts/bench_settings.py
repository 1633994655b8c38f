"""Production settings plus the benchmark's floor view (see scripts/bench_urls.py).

Only scripts/bench.py uses it, with scripts/ on PYTHONPATH: it is not part of
the project package and never exists in production.
"""

from statuscodes.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
