"""Top-1 accuracy of search on the symptom queries in tests/data/search_eval.json.

Run after ``make setup`` (it reads the local database):
    .venv/bin/python scripts/search_eval.py [dev|test|all] [-v]
Prints each miss (query, expected code, what came first) and the accuracy per half.
tests/test_search.py asserts the same figure on both halves together.
"""

import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuscodes.settings")


def main():
    import django

    django.setup()
    from reference import catalogue, search

    halves = [arg for arg in sys.argv[1:] if not arg.startswith("-")] or ["dev"]
    verbose = "-v" in sys.argv
    cases = json.loads((BASE_DIR / "tests/data/search_eval.json").read_text())
    index = catalogue.current().index
    for half in ["dev", "test"] if halves == ["all"] else halves:
        right = 0
        for case in cases[half]:
            found = [e.code for e in index.search(search.parse({"q": case["q"]}))]
            ok = bool(found) and found[0] == case["code"]
            right += ok
            if verbose or not ok:
                mark = "ok  " if ok else "MISS"
                print(f"{mark} {case['q']!r:45} want {case['code']} got {found[:5]}")
        print(f"{half}: {right}/{len(cases[half])} first result right")


if __name__ == "__main__":
    main()
