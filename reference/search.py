"""Turning the reader's query parameters into clean values, and ranking codes.

The whole data set is small (under a hundred codes) and already in memory
(see catalogue.py), so ranking happens in Python where typo tolerance is easy.
"""

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from .models import CLASS_SLUGS

MAX_QUERY_LENGTH = 200

# Ranking, per the reader's expectation: the code they typed, then codes whose
# reason phrase says it, then former names and curated keywords, then body text.
EXACT_CODE, CODE_PREFIX, PHRASE, NAMES, BODY, FUZZY = 1000, 300, 100, 50, 10, 5
FUZZY_CUTOFF = 80  # rapidfuzz ratio: "recieved", "unauthorised", "gatway" pass; noise does not
CLASS_TOKEN = re.compile(r"^([1-5])xx$")


class QueryTooLong(ValueError):
    pass


@dataclass
class Query:
    """A validated search: the text, the class filter, and what was ignored."""

    text: str = ""
    class_slug: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self):
        return not self.text and not self.class_slug

    def params(self, **changes):
        """The query parameters for this view, with some changed, for links."""
        values = {"q": self.text, "class": self.class_slug, **changes}
        return {key: value for key, value in values.items() if value}


def parse(params):
    """Clean the ``q`` and ``class`` parameters; never trust request.GET directly."""
    text = " ".join(params.get("q", "").replace("\x00", " ").split())
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryTooLong(
            f"The search text is {len(text)} characters long; "
            f"the limit is {MAX_QUERY_LENGTH}. Try a few words or a code."
        )
    query = Query(text=text)
    class_slug = params.get("class", "").strip().lower()
    if class_slug in CLASS_SLUGS:
        query.class_slug = class_slug
    elif class_slug:
        shown = class_slug[:20]
        query.notes.append(
            f"“{shown}” is not a class of status codes, so it was ignored. "
            "Classes are 1xx, 2xx, 3xx, 4xx and 5xx."
        )
    return query


def _fold(text):
    # "Time-out" should match "timeout", and "Non-Authoritative" still "authoritative".
    text = text.lower()
    return f"{text} {text.replace('-', '')}"


def _haystacks(entry):
    cached = getattr(entry, "_haystacks", None)
    if cached is None:
        phrase = _fold(entry.phrase)
        names = _fold(" ".join([entry.former_names, entry.keywords]))
        body = _fold(" ".join([entry.summary, entry.description, entry.use_cases]))
        words = set(re.findall(r"[a-z0-9']+", f"{phrase} {names}"))
        # "notfound" or "toomanyrequests" typed without spaces still finds the phrase.
        words |= {re.sub(r"[^a-z0-9]", "", name.lower()) for name in entry.phrase_and_names}
        cached = entry._haystacks = (phrase, names, body, words)
    return cached


def _score_word(token, entry):
    phrase, names, body, words = _haystacks(entry)
    pattern = re.compile(r"\b" + re.escape(token))
    if pattern.search(phrase):
        return PHRASE
    if pattern.search(names):
        return NAMES
    if pattern.search(body):
        return BODY
    if len(token) >= 4:
        match = process.extractOne(token, words, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
        if match:
            return FUZZY
    return 0


def _score(tokens, entry):
    total = 0
    code = str(entry.code)
    for token in tokens:
        if token.isdigit():
            if code == token:
                score = EXACT_CODE
            elif code.startswith(token):
                score = CODE_PREFIX
            else:
                score = 0
        elif CLASS_TOKEN.match(token):
            score = CODE_PREFIX if code[0] == token[0] else 0
        else:
            score = _score_word(token, entry)
            # At an equal word match, registered codes come before unofficial ones.
            if score and not entry.official:
                score -= 1
        if not score:
            return 0
        total += score
    return total


def search(codes, query):
    """The codes matching ``query``, best first (code order for an empty query)."""
    if query.class_slug:
        codes = [entry for entry in codes if entry.class_slug == query.class_slug]
    tokens = query.text.lower().split()
    if not tokens:
        return list(codes)
    scored = [(score, entry) for entry in codes if (score := _score(tokens, entry))]
    scored.sort(key=lambda pair: (-pair[0], pair[1].code))
    return [entry for _, entry in scored]
