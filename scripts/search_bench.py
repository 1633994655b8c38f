"""Benchmark of search: server time per query type, on today's data and on ten times as much.

Run after ``make setup`` (it reads the local database):

    .venv/bin/python scripts/search_bench.py [--runs N]

Every query is measured cold, as live search sees it (every keystroke is a new
query): the per-word memo of the index is emptied before each run. Times are
this thread's CPU time (``time.thread_time``), which a machine loaded by other
processes inflates far less than wall-clock time; wall-clock medians are
printed beside them. The 10x data set is synthetic: each code copied nine
times with a third of its words replaced by pseudo-words, so the vocabulary
grows about tenfold too.

Then the same on the largest data set editors can make (every code, every
field at its limit). Also printed: the time to build the index, from nothing (a
worker's first) and after an edit to one entry (each new data version), and the
whole uncached page (``/?q=…`` through Django's test client, page cache
cleared) for a few queries. Not a pytest test: it measures, it does not assert.
"""

import argparse
import collections
import copy
import itertools
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuscodes.settings")

TEXT_FIELDS = ["phrase", "former_names", "summary", "description", "use_cases", "keywords"]


def measure(function, runs, before=None):
    """(median CPU ms, p99 CPU ms, median wall ms) of ``function`` over ``runs`` runs."""
    cpu, wall = [], []
    for _ in range(runs):
        if before:
            before()
        start_cpu, start_wall = time.thread_time(), time.perf_counter()
        function()
        cpu.append((time.thread_time() - start_cpu) * 1000)
        wall.append((time.perf_counter() - start_wall) * 1000)
    cpu.sort()
    p99 = cpu[min(len(cpu) - 1, round(len(cpu) * 0.99))]
    return statistics.median(cpu), p99, statistics.median(wall)


def synthetic(codes, times, seed=451):
    """``times`` times the codes: copies with a third of their words replaced.

    The new words come from a pool of pseudo-words (``times`` times today's
    vocabulary), so the vocabulary grows with the data, as new codes with
    text of their own would make it grow.
    """
    rng = random.Random(seed)
    vocabulary = {word for entry in codes for name in TEXT_FIELDS for word in _text(entry, name)}
    pool = [_pseudo_word(rng) for _ in range(len(vocabulary) * times)]
    result = list(codes)
    for copy_number in range(1, times):
        for entry in codes:
            clone = copy.copy(entry)  # keeps the prefetched meanings and vendor
            clone.code = entry.code + 1000 * copy_number
            for name in TEXT_FIELDS:
                words = getattr(entry, name).split(" ")
                changed = [rng.choice(pool) if rng.random() < 0.33 else word for word in words]
                setattr(clone, name, " ".join(changed))
            result.append(clone)
    return result


def largest(codes, seed=599):
    """The largest data set the admin accepts: every code, every field at its limit.

    Every number a code may have (0 and 100–599), each entry's indexed text fields
    filled to their limits (reference.models) and the most meanings a code may
    have (MeaningInline.max_num), each at its limits too. The words: two thirds
    from today's vocabulary, a third new pseudo-words, as editors' text would be.
    """
    from reference.admin import MeaningInline
    from reference.models import Meaning, StatusCode

    rng = random.Random(seed)
    vocabulary = sorted({w for e in codes for name in TEXT_FIELDS for w in _text(e, name)})

    def text(limit, sep=" "):
        words, size = [], 0
        while size < limit - 12:
            word = rng.choice(vocabulary) if rng.random() < 0.67 else _pseudo_word(rng)
            words.append(word)
            size += len(word) + len(sep)
        return sep.join(words)[:limit]

    def limit(model, name):
        return model._meta.get_field(name).max_length

    numbers = [0, *range(100, 600)]
    result = []
    for number, entry in zip(numbers, itertools.cycle(codes)):
        clone = copy.copy(entry)
        clone.code = number
        for name in (*TEXT_FIELDS, "browser_behaviour", "not_sent_reason", "common_name", "origin"):
            setattr(clone, name, text(limit(StatusCode, name)))
        clone.keywords = text(limit(StatusCode, "keywords"), sep=", ")
        clone.headers = "\n".join(
            f"X-{_pseudo_word(rng).title()}: {text(70)}"
            for _ in range(limit(StatusCode, "headers") // 90)
        )
        meanings = [
            Meaning(
                code=clone,
                used_by=text(limit(Meaning, "used_by")),
                phrase=text(limit(Meaning, "phrase")),
                description=text(limit(Meaning, "description")),
                when=text(limit(Meaning, "when")),
            )
            for _ in range(MeaningInline.max_num)
        ]
        clone._prefetched_objects_cache = {"meanings": meanings}
        result.append(clone)
    return result


def fresh(entry):
    """A copy of ``entry`` and its meanings with new string objects (no cached hashes)."""

    def renew(obj):
        clone = copy.copy(obj)
        for name, value in vars(obj).items():
            if isinstance(value, str) and value:
                setattr(clone, name, value[:1] + value[1:])
        return clone

    clone = renew(entry)
    clone._prefetched_objects_cache = {"meanings": [renew(m) for m in entry.meanings.all()]}
    return clone


def _text(entry, name):
    return getattr(entry, name).lower().split()


def _pseudo_word(rng):
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randrange(2, 6)))


def queries(index):
    from reference.search import NOISE

    counts = collections.Counter(stem for terms in index.terms for stem in terms.weights)
    common = [stem for stem, _ in counts.most_common() if stem.isalpha() and stem not in NOISE]
    surface = {
        stem: word
        for terms in index.terms
        for word, stem in terms.surface.items()
        if word.isalpha()
    }
    words = sorted(surface.values())
    everywhere = " ".join(surface.get(stem, stem) for stem in common[:60])[:200].rsplit(" ", 1)[0]
    rng = random.Random(404)
    letters = "bcdfghjklmnpqrstvwxz"
    garbage = " ".join(
        "".join(rng.choice(letters) for _ in range(rng.randrange(4, 9))) for _ in range(40)
    )[:200].rsplit(" ", 1)[0]
    fragments = " ".join(word[:3] for word in words[::37] if len(word) > 4)[:200]
    return [
        ("code", "404"),
        ("code prefix", "40"),
        ("class", "4xx"),
        ("name", "not found"),
        ("symptom", "token expired"),
        ("symptom, 4 words", "redirect after a post request"),
        ("typos", "gatway timout"),
        ("typing, mid-word", "too many req"),
        ("adversarial: 200 chars of words in every code", everywhere),
        ("adversarial: 200 chars of unknown words (fuzzy)", garbage),
        ("adversarial: 200 chars of 3-letter prefixes", fragments),
    ]


def run(label, codes, runs):
    from reference import search

    index = None

    def build():
        nonlocal index
        index = search.Index(codes)

    # A worker's first index analyses every entry; each later one (a new data
    # version: an editor saved one entry) analyses only the entry that changed.
    cold_cpu, _, cold_wall = measure(build, max(3, runs // 20), search.forget)
    edited = list(codes)

    def edit():
        # As the next catalogue loads them: every entry a new object with text of its
        # own (nothing cached from the last load); one entry's description changed.
        edited[:] = [fresh(entry) for entry in edited]
        entry = edited[len(edited) // 2]
        entry.description = entry.description[1:] + entry.description[:1]

    def rebuild():
        nonlocal index
        index = search.Index(edited)

    build_cpu, _, build_wall = measure(rebuild, max(3, runs // 20), edit)
    vocabulary = len({word for terms in index.terms for word in terms.surface})
    print(
        f"\n{label}: {len(codes)} codes, {vocabulary} distinct words\n"
        f"  index built from nothing (a worker's first) in {cold_cpu:.1f} ms CPU "
        f"({cold_wall:.1f} ms wall)\n"
        f"  index rebuilt after an edit to one entry in {build_cpu:.1f} ms CPU "
        f"({build_wall:.1f} ms wall)"
    )
    print(f"  {'query type':50} {'median':>8} {'p99':>8} {'wall':>8}  (ms, cold)")
    figures = {}
    for kind, text in queries(index):
        query = search.parse({"q": text})
        median, p99, wall = measure(lambda q=query: index.search(q), runs, index.memo.clear)
        figures[kind] = median
        print(f"  {kind:50} {median:8.3f} {p99:8.3f} {wall:8.3f}")
    typing = "server down for maintenance"
    keystrokes = [search.parse({"q": typing[:n]}) for n in range(1, len(typing) + 1)]

    def type_it():
        for query in keystrokes:
            index.search(query)

    median, p99, wall = measure(type_it, max(5, runs // 10), index.memo.clear)
    per_key = len(keystrokes)
    print(
        f"  {'live search: each keystroke of ' + repr(typing):50} "
        f"{median / per_key:8.3f} {p99 / per_key:8.3f} {wall / per_key:8.3f}"
    )
    return figures, build_cpu


def page(runs):
    from django.core.cache import cache
    from django.test import Client

    client = Client()
    print("\nWhole page, uncached (page cache cleared before each request; test client)")
    print(f"  {'query':50} {'median':>8} {'p99':>8} {'wall':>8}  (ms)")
    for text in ["token expired", "gatway timout", "server down for maintenance"]:
        url = f"/?q={text.replace(' ', '+')}"
        status = client.get(url).status_code
        median, p99, wall = measure(lambda u=url: client.get(u), runs, cache.clear)
        print(f"  {text + f' ({status})':50} {median:8.3f} {p99:8.3f} {wall:8.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200, help="runs per query type")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    from reference import catalogue

    print(f"search benchmark, Python {platform.python_version()}, {os.cpu_count()} CPUs")
    print(f"load average now: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    codes = catalogue.current().codes
    today, build_today = run("Today's data", codes, args.runs)
    tenfold, build_tenfold = run("Synthetic data, 10x", synthetic(codes, 10), args.runs)
    run("The largest data set the admin accepts", largest(codes), args.runs)
    print("\nGrowth, 10x data over today's (linear would be 10.0):")
    print(f"  {'index rebuild after an edit':50} {build_tenfold / build_today:8.1f}x")
    for kind, median in today.items():
        print(f"  {kind:50} {tenfold[kind] / max(median, 1e-6):8.1f}x")
    page(max(20, args.runs // 4))


if __name__ == "__main__":
    main()
