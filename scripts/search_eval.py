"""Accuracy of search on an evaluation set in tests/data/.

Run after ``make setup`` (it reads the local database):
    .venv/bin/python scripts/search_eval.py [--set questions] [dev|test|all] [-v]
The default set is search_eval.json (symptom queries; tests/test_search.py
asserts its top-1 figure); ``--set questions`` uses search_questions.json
(real developer questions), ``--set situations`` search_situations.json
(situations told in a sentence; no untouched half), ``--set fresh test``
search_fresh.json (untouched: never tune on it). Prints each miss (query,
expected code, the first results; not for the fresh set, so that nobody reads
its questions) and, per half, how often the expected code came first and in
the top 3.
"""

import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "statuscodes.settings")
SETS = {
    "eval": "search_eval.json",
    "questions": "search_questions.json",
    "situations": "search_situations.json",
    "fresh": "search_fresh.json",
}


def main():
    import django

    django.setup()
    from reference import catalogue, search

    args = sys.argv[1:]
    name = "eval"
    if "--set" in args:
        at = args.index("--set")
        name = args[at + 1]
        del args[at : at + 2]
    halves = [arg for arg in args if not arg.startswith("-")] or ["dev"]
    verbose = "-v" in args
    cases = json.loads((BASE_DIR / "tests/data" / SETS[name]).read_text())
    index = catalogue.current().index
    for half in ["dev", "test"] if halves == ["all"] else halves:
        if not cases[half]:
            continue
        top1 = top3 = 0
        for case in cases[half]:
            found = [e.code for e in index.search(search.parse({"q": case["q"]}))]
            ok = found[:1] == [case["code"]]
            top1 += ok
            top3 += case["code"] in found[:3]
            if (verbose or not ok) and name != "fresh":
                mark = "ok  " if ok else "MISS"
                print(f"{mark} {case['q']!r:45} want {case['code']} got {found[:5]}")
        n = len(cases[half])
        print(f"{half}: top-1 {top1}/{n} ({top1 / n:.0%}), top-3 {top3}/{n} ({top3 / n:.0%})")


if __name__ == "__main__":
    main()
