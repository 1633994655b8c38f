"""Turning the reader's query parameters into clean values, and ranking codes.

Ranking is by relevance, not by requiring every word: developers type symptoms
("token expired", "server down") as often as names. Each word of the query is
weighed by the field it is found in (reason phrase and names over curated
keywords over body text), by how it matched (whole word over prefix over a
word inside another word, typos last) and by how rare it is (IDF, so "request"
counts little and "teapot" a lot). A curated phrase or keyword that the query
covers entirely counts again, strongly: that is how editors add synonyms.
Noise words ("error", "status", "http", "my") are dropped, and a code number in
the query dominates everything else (and still completes another code's phrase:
"Expect: 100-continue" is 417's too); a version, address or quantity ("TLS 1.3",
"127.0.0.1", "100 seconds") is no code number.
The reader then sees what surrounds the answer: a vendor's internal code comes
after the code clients receive for it (nginx's 495 after 400), and the code
readers confuse with the first result (/compare/: 400 and 422) is in the top 3.

Everything that depends only on the data (vocabulary, stems, postings, IDF) is
built once per catalogue (data version) into an ``Index``. A query then costs,
per word, a few dictionary look-ups, a walk over the codes containing it, and
for an unknown word one fuzzy pass over the words of names and keywords; each
word's result is kept, since live search repeats all words but the last.
scripts/search_bench.py measures it; scripts/search_eval.py the ranking.
"""

import heapq
import math
import re
import threading
import unicodedata
from bisect import bisect_left, insort
from collections import defaultdict
from dataclasses import dataclass, field

import snowballstemmer
from rapidfuzz import fuzz, process

from . import compare
from .models import CLASS_SLUGS

MAX_QUERY_LENGTH = 200

# Field weights: what the reader expects to rank first. A vendor's name is a
# code's surname ("nginx" finds nginx's own codes before codes mentioning nginx).
NAME = VENDOR = 10
MEANING_NAME = 8
KEYWORD = MEANING_VENDOR = 6
# A vendor's other use of a registered code gives way like a vendor's code does:
# "redirect" is Exchange ActiveSync's 451, but a reader means 301-308.
OTHER_MEANING = 4
SUMMARY = HEADER = 3
BODY = 1
# How a query word matched a word of the data.
WHOLE, PREFIX_MIN, PREFIX_MAX, FUZZY, INSIDE = 1.0, 0.3, 0.7, 0.6, 0.15
FUZZY_CUTOFF = 80  # rapidfuzz ratio: "forbiden", "gatway", "teapott" pass; noise does not
# A curated phrase or keyword the query covers entirely counts this much again;
# with its words far apart in the query, this share of that.
COVERED = 1.0
APART = 0.5
# Codes named in the query, and code prefixes ("40" → 400–409), outrank any text.
EXACT_CODE, CODE_PREFIX = 1000.0, 100.0
# Vendor-specific codes (Cloudflare's 521 "Web Server Is Down") give way to the
# registered code for a generic symptom ("server down" → 503), unless the query
# names the vendor or is the code's very name ("web server is down").
UNOFFICIAL = 0.6
SAME_SYMPTOM = 0.5  # ...and never outrank a code of today scoring this share of theirs or more
CLASS_TOKEN = re.compile(r"^([1-5])x{1,2}$")
# Of two codes named, the one the reader asks for comes first: "use 410 instead of 404",
# "return 400 instead of 422", "returns a 400 (should be 414)". A report asks for the
# other one: "returns 500 instead of 404". The one set aside still outranks any text.
# "…403 instead 401", "return a 405, not a 404"
INSTEAD = {("instead", "of"), ("rather", "than"), ("instead",), ("not",)}
EXPECTED = {("should", "be"), ("should", "return"), ("expected",), ("expecting",)}
# What the server does, not what the reader asks it to do: "returns", not "return".
_REPORTED_WORDS = """
    returns returned returning gives gave giving given get gets got getting
    sends sent sending responds responded responding throws threw thrown throwing
    receive receives received receiving generates generated generating
    produces produced producing yields yielded yielding
"""
REPORTED = frozenset(_REPORTED_WORDS.split())
# Between those words and a code: "instead of a 404", "should return HTTP 401".
BEFORE_A_CODE = {"a", "an", "the", "http", "status", "code", "error", "response"}
# A change asks for the code it goes to: "change 200 to 201", "from 301 to 308".
CHANGED = {"from", "change", "changes", "changed", "changing", "switch", "switched", "convert"}
SET_ASIDE = 0.5
# A query telling of a failure ("the order fails because the product is invalid", "the
# user exists already") asks for the code of the failure, not the code the same request
# gets when all goes well (201 for "creating"): success codes it does not name weigh less.
_FAILURE_WORDS = """
    fail fails failed failing failure failures invalid incorrect wrong denied rejected
    refused unable cannot cant malformed illegal already duplicate missing
    nonexistent nonexisting inexistent require requires required requiring
"""
FAILURE = frozenset(_FAILURE_WORDS.split())
NOT_THERE = {("non", "existing"), ("non", "existent"), ("not", "existing"), ("not", "exist")}
SUCCESS_IN_FAILURE = 0.25
# What servers send when they get it wrong: "500 when the JSON is malformed", "gives 200
# with an error message" report the code sent for a client's mistake and ask what it
# should have been. Unless the query asks for the code itself ("should result in 500").
CATCH_ALL = {200, 500}
ASKS_FOR_IT = {"should", "must", "expected", "expect", "expecting", "instead", "rather"}
SINGLED_OUT = 1.25  # ...scoring this much more than the next code found by the words
ABOUT_THE_CODE = {"status", "code", "codes", "http", "response", "responses"}
# Words readers use for the word editors wrote: "a PUT without If-Match" is the
# "missing if-match" of 428's keywords, though "missing" alone is 404's word.
ALIASES = {"without": "missing", "lacking": "missing", "lacks": "missing", "absent": "missing"}
ALIAS = 0.9
MEMO_LIMIT = 4096  # per-word results kept per index
PREFIX_LIMIT = 30  # completions (and words containing it) looked at per query word
NOISE_FLOOR = 0.02  # results scoring under this share of the best are dropped
# A pasted paragraph is not a search: its rarest words are enough to rank by.
MAX_WORDS = 12

# Words that say nothing about which code is meant. "not" and "no" stay: "not
# found", "no content". "too" goes: "too many requests" is still many requests.
# Nor does what a question expects ("expected 404" is no "Expectation Failed").
_NOISE_WORDS = """
    too a an the is are was were be been being am it its this that these those there here
    i me my mine we our us you your he she they them their
    of to in on at by for from with into onto about as than then so and or but if
    vs versus instead rather
    do does did doing done can could would should will shall may might must
    what when why how which who whom where whenever while
    error errors status statuses code codes http response responses message
    get gets got getting keep keeps keeping say says said saying show shows showing
    return returns returned returning happen happens happened happening
    whats hows thats theres ive youre
    expected expecting expects
"""
NOISE = frozenset(_NOISE_WORDS.split())
# Words of vendors' names that name no vendor: "api" is not Twitter (X) API, nor
# "cloud" Alibaba Cloud.
_VENDOR_GENERIC_WORDS = """
    api cloud web services framework modules module bandwidth limiting functions function
    edge load balancing x python perl ssl labs cdn
"""
VENDOR_GENERIC = frozenset(_VENDOR_GENERIC_WORDS.split())

# A Snowball stemmer keeps its word in the instance while it works, so one
# shared by gthread's threads garbles words and raises: one per thread.
_local = threading.local()
_stems = {}  # word → stem, shared by every index: the vocabulary barely changes
_BRITISH_ISE = re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations|er|ers)$")
_BRITISH_OUR = re.compile(r"(?<=[a-z]{3})our$")


def _english():
    if not hasattr(_local, "stemmer"):
        _local.stemmer = snowballstemmer.stemmer("english")
    return _local.stemmer


def forget():
    """Forget the stems and entries analysed (the catalogue's reset)."""
    global _analysed, _last_vocabulary
    _stems.clear()
    _analysed = {}
    _last_vocabulary = None


def _stem(word):
    stem = _stems.get(word)
    if stem is None:
        if len(_stems) > 200_000:  # bounded: queries bring words of their own
            _stems.clear()
        # One spelling for both sides: unauthorised/unauthorized, behaviour/behavior.
        spelled = _BRITISH_OUR.sub("or", _BRITISH_ISE.sub(r"iz\1", word))
        stem = _english().stemWord(spelled) if word.isalpha() else word
        # expiry → "expiri", expired → "expir": the same word to a reader.
        if len(stem) > 4 and stem.endswith("i"):
            stem = stem[:-1]
        _stems[word] = stem
    return stem


_APOSTROPHES = str.maketrans("", "", "'’`")


def _fold(text):
    """Lowercase, accents and apostrophes gone: "I'm" is "im", "Café" is "cafe"."""
    if text.isascii():  # nearly all text: no accents to take off, and 20 times faster
        return text.lower().translate(_APOSTROPHES)
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    return text.translate(_APOSTROPHES)


_WORD = re.compile(r"[a-z0-9]+")
# Starts only where a word starts: tried inside words, it backtracks on every letter.
_COMPOUND = re.compile(r"(?<![a-z0-9])[a-z0-9]+(?:[-_/.+][a-z0-9]+)+")
_JOINERS = re.compile(r"[-_/.+]")
# A quoted value in a pasted message ("Content type 'text/plain;charset=UTF-8' not
# supported") takes one place in it: the message's phrase is still close together.
_QUOTED = re.compile(
    r"""(?<!\w)(?:'[^']{1,80}'|"[^"]{1,80}"|‘[^’]{1,80}’|“[^”]{1,80}”|`[^`]{1,80}`)(?!\w)"""
)


def _words(text):
    return _WORD.findall(_fold(text))


# Numbers in a query that are no code: versions and addresses ("TLS 1.3", "HTTP/2",
# "127.0.0.1"), path segments ("/users/1"), quantities ("100 seconds", "20 MB") and
# short numbers before other words ("curl (52) empty reply": a code prefix is being
# typed, so it comes last): words, if anything.
# An IIS sub-status keeps its code: "500.19" is a 500.
_UNIT_WORDS = """
    ms s sec secs second seconds min mins minute minutes h hr hrs hour hours day days
    b kb mb gb tb kib mib gib byte bytes k percent characters chars
"""
_UNITS = frozenset(_UNIT_WORDS.split())
# Words run together: "NullPointerException", "error404", "301redirects", "404s".
_CAMEL = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]*[a-z][A-Z][A-Za-z]*(?![A-Za-z0-9])")
_CAMEL_JOINT = re.compile(r"(?<=[a-z])(?=[A-Z])")
_GLUED_CODE = re.compile(r"([a-z]{2,})?(\d{3})(?:s|([a-z]{2,}))?")


def _compounds(folded):
    # "Time-out" is also "timeout", client_max_body_size also "clientmaxbodysize".
    return [_JOINERS.sub("", found) for found in _COMPOUND.findall(folded)]


def _current(entry):
    """A code a server of today sends: registered, and not one servers should no longer send
    (306 Unused, 418's joke, an obsolete registration)."""
    return entry.official and not entry.not_sent_reason


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


def _names(entry):
    return [name for name in (entry.phrase, *entry.former_name_list, entry.common_name) if name]


def _fields(entry):
    """(weight, text, whole) for everything searchable about one code.

    ``whole`` marks names and keywords: a query that covers one of them
    entirely counts it as a phrase match. The code's own vendor comes as
    ``VENDOR`` itself: the query then names the vendor of an unofficial code.
    """
    yield from ((NAME, name, True) for name in _names(entry))
    yield from ((KEYWORD, keyword, True) for keyword in entry.keyword_list)
    if entry.vendor is not None:  # its name and its slug ("aws") name the vendor
        yield VENDOR, f"{entry.vendor.name} {entry.vendor.slug.replace('-', ' ')}", VENDOR
    if entry.origin:  # free text ("HTTP clients: curl (000), browsers…"): it names no vendor
        yield VENDOR, entry.origin, True
    yield SUMMARY, entry.summary, False
    for name, why in entry.header_list:
        yield HEADER, name, True
        yield BODY, why, False
    yield BODY, entry.description, False
    yield BODY, entry.use_cases, False
    yield BODY, entry.browser_behaviour, False
    yield BODY, entry.not_sent_reason, False
    for row in entry.behaviours.all():  # "does curl follow 308", "django default redirect"
        yield MEANING_VENDOR, row.agent, True
        yield BODY, row.behaviour, False
    for meaning in entry.meanings.all():  # prefetched by the catalogue: no query
        yield MEANING_NAME if not _current(entry) else OTHER_MEANING, meaning.phrase, True
        yield MEANING_VENDOR, meaning.used_by, True
        if meaning.vendor is not None:
            yield MEANING_VENDOR, meaning.vendor.name, True
        yield BODY, meaning.description, False
        yield BODY, meaning.when, False


class _Terms:
    """What one entry gives an index, kept while its text stays the same.

    A new data version (an editor saved one entry) analyses that entry only.
    """

    __slots__ = ("by_stem", "elements", "fuzzy", "plain", "surface", "vendor", "weights")

    def __init__(self, entry):
        best = {}  # word → the weight of the best field it is in

        def add(weight, words):
            for word in words:
                if best.get(word, 0) < weight:
                    best[word] = weight

        self.elements = []  # (weight, stems): names and keywords, for phrase matches
        self.vendor = set()  # stems naming the vendor of an unofficial code
        self.plain = set()  # words as written, not joined from several ("notfound")
        for weight, text, whole in _fields(entry):
            if not text:
                continue
            folded = _fold(text)
            words = _WORD.findall(folded)
            self.plain.update(words)
            # Each word once per entry: a long description costs its vocabulary,
            # not its length.
            add(weight, {*words, *_compounds(folded)})
            if not whole:
                continue
            stems = [_stem(word) for word in words]
            if whole is VENDOR and not _current(entry):
                self.vendor.update(_stem(w) for w in words if w not in VENDOR_GENERIC)
            meaningful = [s for w, s in zip(words, stems, strict=True) if w not in NOISE]
            self.elements.append((weight, frozenset(meaningful or stems)))
            if len(words) > 1:
                # "notfound", "toomanyrequests": a name typed without spaces.
                joined = "".join(words)
                add(weight, [joined])
                self.elements.append((weight, frozenset([_stem(joined)])))
        self.by_stem = defaultdict(list)  # stem → numbers of the elements with it
        for number, (_, stems) in enumerate(self.elements):
            for stem in stems:
                self.by_stem[stem].append(number)
        self.weights = {}  # stem → best weight
        self.surface = {}  # word as written → stem
        # Typos are looked for among the words of names and keywords only (a fifth
        # of the vocabulary): a typo matching body text would rank low anyway.
        fuzzy = []
        for word, weight in best.items():
            stem = self.surface[word] = _stem(word)
            if self.weights.get(stem, 0) < weight:
                self.weights[stem] = weight
            if weight >= KEYWORD:
                fuzzy.append(word)
        self.fuzzy = fuzzy


def _key(entry):
    """Everything _Terms reads of an entry (the text as stored, not as parsed)."""
    meanings = tuple(
        (m.phrase, m.used_by, m.vendor.name if m.vendor else "", m.description, m.when)
        for m in entry.meanings.all()
    )
    vendor = entry.vendor.name if entry.vendor else ""
    texts = (entry.phrase, entry.former_names, entry.common_name, entry.keywords, entry.origin)
    texts += (entry.summary, entry.headers, entry.description, entry.use_cases)
    texts += (entry.browser_behaviour, entry.not_sent_reason)
    behaviours = tuple((row.agent, row.behaviour) for row in entry.behaviours.all())
    return (_current(entry), vendor, *texts, meanings, behaviours)


# An entry's terms by its text: a new data version analyses only the entries that
# changed. Holds the entries of the last index built, and no more.
_analysed = {}


def _terms(entries):
    global _analysed
    analysed = {}
    for entry in entries:
        key = _key(entry)
        terms = analysed[key] = _analysed.get(key) or analysed.get(key) or _Terms(entry)
        yield terms
    _analysed = analysed


class _Vocabulary:
    """The words of all entries, sorted: what a word being typed completes to, the
    words a word is found inside, and (of names and keywords) what a typo may be.

    Made from the last version's vocabulary and the words of the entries that
    changed, when few did. Words no entry has any more may stay (their stems have
    no postings), until they may be a tenth of the vocabulary and it is made anew;
    so the look-ups (word → stem, words as written, words for typos) only grow,
    and are shared with the last version's, which never iterates them.
    """

    def __init__(self, terms, previous=None):
        if previous is not None:
            kept = {id(t) for t in previous.terms}
            changed = [t for t in terms if id(t) not in kept]
            gone = len(previous.terms) + len(changed) - len(terms)  # entries replaced
            self.stale = previous.stale + gone * previous.size / max(len(previous.terms), 1)
            if len(changed) > len(terms) // 10 or self.stale > previous.size / 10:
                previous = None
        if previous is None:
            changed, self.stale = terms, 0
            self.surface, self.plain, self.fuzzy_words = {}, set(), set()
            words, fuzzy = [], {}
        else:
            self.surface, self.plain = previous.surface, previous.plain
            self.fuzzy_words = previous.fuzzy_words
            words, fuzzy = previous.words, previous.fuzzy
        new, new_fuzzy = {}, defaultdict(list)
        for t in changed:
            new.update((w, s) for w, s in t.surface.items() if w not in self.surface)
            self.plain |= t.plain
            for word in t.fuzzy:
                if word not in self.fuzzy_words:
                    self.fuzzy_words.add(word)
                    new_fuzzy[len(word)].append(word)
        self.surface.update(new)
        if len(new) < 100:  # an edit: each new word slid into place
            self.words = list(words)
            for word in sorted(new):
                insort(self.words, word)
        else:  # two sorted runs: Python's sort merges them in one pass
            self.words = sorted(words + sorted(new))
        # Words for typos by length: a typo is looked for among words of about its length.
        self.fuzzy = dict(fuzzy)
        for length, added in new_fuzzy.items():
            self.fuzzy[length] = sorted(fuzzy.get(length, []) + added)
        # All words in one string, so that finding a word inside other words is one
        # C-level scan rather than a Python loop over the vocabulary.
        self.blob = "\n".join(self.words)
        self.terms = terms
        self.size = len(self.words)

    def completions(self, token):
        """The words starting with ``token``."""
        start = bisect_left(self.words, token)
        return self.words[start : bisect_left(self.words, token + "\x7f", start)]

    def inside(self, token):
        """Up to PREFIX_LIMIT words with ``token`` inside them."""
        found = []
        for hit in re.finditer(re.escape(token), self.blob):
            start = self.blob.rfind("\n", 0, hit.start()) + 1
            end = self.blob.find("\n", hit.end())
            found.append(self.blob[start : end if end >= 0 else len(self.blob)])
            if len(found) >= PREFIX_LIMIT:
                break
        return found

    def typos(self, token):
        """[(word, ratio)]: up to three words of names and keywords ``token`` may be a
        typo of."""
        # fuzz.ratio >= 80 needs lengths within a factor of 1.5 of each other.
        shortest = math.ceil(len(token) / 1.5)
        longest = min(math.floor(len(token) * 1.5), MAX_QUERY_LENGTH)
        candidates = [
            word for length in range(shortest, longest + 1) for word in self.fuzzy.get(length, ())
        ]
        return [
            (word, ratio)
            for word, ratio, _ in process.extract(
                token, candidates, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
            )
        ]


# The last vocabulary made: the next data version's starts from it.
_last_vocabulary = None


class Index:
    """Everything search needs from one data version.

    Built per entry (``_Terms``, reused while an entry's text is unchanged) and
    a vocabulary made from the last one; what a query needs across entries (a
    word's postings, the names it is part of) is gathered when a query first
    asks for it, and kept.
    """

    def __init__(self, codes):
        self.codes = codes  # the catalogue's list: its identity is the data version
        self.entries = list(codes)
        self.position = {entry.code: i for i, entry in enumerate(self.entries)}
        global _last_vocabulary
        self.terms = list(_terms(self.entries))
        self.vocabulary = _last_vocabulary = _Vocabulary(self.terms, _last_vocabulary)
        self.rarest = self._idf(1)  # a word in one entry only
        self.memo = {}
        self._postings = {}
        self._elements = {}
        # A vendor's internal code that clients receive as a registered one: nginx's 495
        # goes out as 400, and its keywords say so ("400 bad request").
        names = {f"{e.code} {e.phrase}".lower(): i for i, e in enumerate(self.entries)}
        self.sent_as = {
            i: names[keyword.lower()]
            for i, entry in enumerate(self.entries)
            if not _current(entry)
            for keyword in entry.keyword_list
            if keyword.lower() in names and _current(self.entries[names[keyword.lower()]])
        }

    def _idf(self, count):
        return math.log(1 + (len(self.entries) - count + 0.5) / (count + 0.5))

    def known(self, word):
        return bool(self.postings(_stem(_fold(word))))

    def query_words(self, text):
        """The query's words, the positions of its numbers that are no code, the noise
        words it means as words, and each word's place (a quoted value is one place).

        Words run together are taken apart when the data does not know them whole
        ("NullPointerException", "error404"; "WebSocket" and "x402" stay); "404s"
        are 404s, whatever the data says about them.
        """
        text = _CAMEL.sub(lambda m: m[0] if self.known(m[0]) else _CAMEL_JOINT.sub(" ", m[0]), text)
        parts, quoted, last = [], [], 0
        for value in _QUOTED.finditer(text):
            parts.append(_fold(text[last : value.start()]))
            start = sum(map(len, parts))
            parts.append(f" {_fold(value[0][1:-1])} ")
            quoted.append(range(start, start + len(parts[-1])))
            last = value.end()
        parts.append(_fold(text[last:]))
        folded = "".join(parts)
        found = list(_WORD.finditer(folded))
        words, not_codes, places = [], set(), []
        place, first = -1, set()  # the quoted values that have their place
        for at, match in enumerate(found):
            places += [place] * (len(words) - len(places))  # the words of the last match
            span = next((span for span in quoted if match.start() in span), None)
            if span is None or span not in first:
                place += 1
                first.add(span)
            word, start, end = match[0], match.start(), match.end()
            glued = _GLUED_CODE.fullmatch(word)
            if glued and (word.endswith("s") or not self.known(word)) and not word.isdigit():
                words.extend(part for part in glued.groups() if part)
                continue
            if word.isdigit() and len(word) < 3 and re.match(r"-(?!x+\b)[a-z]", folded[end:]):
                # "0-RTT", "2-step": a short number joined to a word is a word ("4-xx" a class).
                not_codes.add(len(words))
            elif word.isdigit():
                before, after = folded[max(0, start - 2) : start], folded[end : end + 2]
                following = found[at + 1][0] if at + 1 < len(found) else ""
                if (
                    (len(word) < 3 and int(word) and at + 1 < len(found))  # "curl (52) empty"
                    or re.fullmatch(r"\d\.", before)  # the 3 of 1.3
                    or (re.fullmatch(r"\.\d", after) and len(word) != 3)  # the 1 of 1.3
                    or re.fullmatch(r"[a-z]/", before)  # http/2, /users/1
                    or after.startswith("%")
                    or (following in _UNITS and found[at + 1].start() - end <= 1)
                    # A value ("bytes=0-499", "max-age=300"), unless of the status itself.
                    or (folded[start - 1 : start] == "=" and words[-1:] != ["status"])
                ):
                    # "1" or "3" alone finds noise; "http/2" is "http2", and "443" a word.
                    if len(word) < 3 and not (words and self.known(words[-1] + word)):
                        continue
                    not_codes.add(len(words))
            words.append(word)
        places += [place] * (len(words) - len(places))
        # "GET" as developers write a method is no "get a 404": a word to look for.
        methods = {"get"} if re.search(r"\bGET\b", text) and re.search("[a-z]", text) else set()
        return words, not_codes, methods, places

    def postings(self, stem):
        """{entry position: best field weight} of the entries containing ``stem``."""
        found = self._postings.get(stem)
        if found is None:
            if len(self._postings) >= MEMO_LIMIT:
                self._postings.clear()
            found = self._postings[stem] = {
                i: weight
                for i, terms in enumerate(self.terms)
                if (weight := terms.weights.get(stem))
            }
        return found

    def idf(self, stem):
        """How rare ``stem`` is (BM25's IDF), or None if no entry has it."""
        count = len(self.postings(stem))
        return self._idf(count) if count else None

    def elements(self, stem):
        """[(entry position, element number)] of the names and keywords with ``stem``."""
        found = self._elements.get(stem)
        if found is None:
            if len(self._elements) >= MEMO_LIMIT:
                self._elements.clear()
            found = self._elements[stem] = [
                (i, number)
                for i, terms in enumerate(self.terms)
                for number in terms.by_stem.get(stem, ())
            ]
        return found

    def matches(self, token):
        """How one query word matches: ({stem: value}, {entry position: best value},
        {stem: value} for the word itself or a typo of it, which alone may
        complete a phrase: "too" is not yet "Too Many Requests").

        Kept per word, so the next keystroke of live search only works out the
        word being typed.
        """
        memo = self.memo.get(token)
        if memo is not None:
            return memo
        found = {}
        stem = _stem(token)
        known = bool(self.postings(stem))
        if known:
            found[stem] = WHOLE
        vocabulary = self.vocabulary
        if len(token) >= 2:
            completions = vocabulary.completions(token)
            # A word being typed ("req") completes to words; a name typed without
            # spaces ("notfo") completes to a joined name, when no word fits.
            words = [word for word in completions if word in vocabulary.plain]
            # The shortest completions: the words most likely being typed.
            for word in heapq.nsmallest(PREFIX_LIMIT, words or completions, key=len):
                other = vocabulary.surface[word]
                if other != stem:
                    share = len(token) / len(word)
                    kind = PREFIX_MIN + (PREFIX_MAX - PREFIX_MIN) * share
                    found[other] = max(found.get(other, 0), kind)
        if not found and len(token) >= 4:
            for word in vocabulary.inside(token):
                found.setdefault(vocabulary.surface[word], INSIDE)
        typos = set()
        # A number is no typo: "5000" is not "000" mistyped.
        if not known and len(token) >= 4 and not token.isdigit():
            for word, ratio in vocabulary.typos(token):
                other = vocabulary.surface[word]
                found[other] = max(found.get(other, 0), FUZZY * ratio / 100)
                typos.add(other)
        # A word found inside another word never counts more than the word itself.
        # (Words no entry has any more are in the vocabulary until it is made anew.)
        ceiling = self.idf(stem)
        found = {
            other: kind * min(idf, ceiling or idf)
            for other, kind in found.items()
            if (idf := self.idf(other))
        }
        best = {}
        for other, value in found.items():
            for i, weight in self.postings(other).items():
                if weight * value > best.get(i, 0):
                    best[i] = weight * value
        if len(self.memo) >= MEMO_LIMIT:
            self.memo.clear()
        exact = {
            other: found[other] for other in typos | ({stem} if known else set()) if other in found
        }
        # An alias completes the phrases it is in; alone it finds nothing more.
        if token in ALIASES and (idf := self.idf(_stem(ALIASES[token]))):
            exact[_stem(ALIASES[token])] = ALIAS * idf
        memo = self.memo[token] = (found, best, exact)
        return memo

    def score_words(self, tokens, neighbours=(), naming=(), where=None):
        """{entry position: relevance}, with the share of the query's weight matched, the
        codes named, how many words the longest name or keyword covered has, and the
        entries with such a phrase that has one of the code numbers of ``naming`` in it.

        ``neighbours`` are adjacent pairs of query words: "timed out" also looks
        for "timeout", "log in" for "login", "web socket" for "websocket".
        ``naming`` are the codes the query names and the words after them restating
        their names: they rank by number, but also complete a phrase ("Expect:
        100-continue" is 417's as much as 100 Continue's).
        ``where`` gives each word's positions in the query: a phrase's words far apart
        count for less ("server closed the connection because the client…" is not quite
        "client closed connection"), and only close together as the reader's phrase.
        """
        where = where or {}
        near = defaultdict(set)  # stem → the positions of the query words that gave it
        joins = defaultdict(dict)
        whole = {_stem(token) for token in tokens}  # the words as typed, not prefixes
        for first, second in neighbours:
            joined = _stem(first) + _stem(second)
            if self.postings(joined):
                whole.add(joined)
                for token in (first, second):
                    joins[token][joined] = self.idf(joined)
        scores = defaultdict(float)
        matched = defaultdict(float)
        covering = {}  # stem → best idf-weighted match of a word as typed (or mistyped)
        aliased = {}  # stem of an alias → (the weight of the word for it, the entries it found)
        for word in naming:
            if idf := self.idf(_stem(word)):
                covering[_stem(word)] = idf
                near[_stem(word)].update(where.get(word, ()))
        weights = []
        for token in tokens:
            found, best, exact = self.matches(token)
            if token in joins:
                found, best = {**found, **joins[token]}, dict(best)
                exact = {**exact, **joins[token]}
                for joined, value in joins[token].items():
                    for i, weight in self.postings(joined).items():
                        if weight * value > best.get(i, 0):
                            best[i] = weight * value
            for stem, value in exact.items():
                near[stem].update(where.get(token, ()))
                if value > covering.get(stem, 0):
                    covering[stem] = value
            # A rare word missing costs more than a common one ("page", "request").
            weight = self.idf(_stem(token)) or max(found.values(), default=self.rarest)
            weights.append(weight)
            for i, value in best.items():
                scores[i] += value
                matched[i] += weight
            if token in ALIASES:
                aliased[_stem(ALIASES[token])] = (weight, best.keys())
        total = sum(weights) or 1
        matched = defaultdict(float, {i: value / total for i, value in matched.items()})
        # Names and keywords the query covers entirely: curated synonyms count strongly.
        hits = defaultdict(int)
        for stem in covering:
            for element in self.elements(stem):
                hits[element] += 1
        bonus = {}
        phrase = defaultdict(int)
        numbered = set()
        counted = set()  # (entry, stem of an alias) that completed one of its phrases
        named = set()  # unofficial codes the query names: by vendor, or by their very name
        for (i, number), count in hits.items():
            weight, stems = self.terms[i].elements[number]
            if count != len(stems) or stems <= aliased.keys() - whole:  # "without" is no 404
                continue
            value = COVERED * weight * sum(covering[stem] for stem in stems)
            if len(stems) == 1 or self._close(stems, near):
                phrase[i] = max(phrase[i], len(stems))
                if len(stems) > 1 and any(stem.isdigit() for stem in stems & covering.keys()):
                    numbered.add(i)
                if weight >= MEANING_NAME and len(stems) >= len(tokens) and stems <= whole:
                    named.add(i)
            else:
                value *= APART
            for stem in stems & aliased.keys():  # the word matched this entry after all
                share, found = aliased[stem]
                if i not in found and (i, stem) not in counted:
                    counted.add((i, stem))
                    matched[i] += share / total
                    scores[i] += weight * covering[stem]
            bonus[i] = max(bonus.get(i, 0), value)
        for i, value in bonus.items():
            scores[i] += value
        # Vendor-specific codes give way unless the query names them or their vendor.
        for stem in covering:
            named |= {i for i, terms in enumerate(self.terms) if stem in terms.vendor}
        for i in scores:
            if not _current(self.entries[i]) and i not in named:
                scores[i] *= UNOFFICIAL
        return scores, matched, named, phrase, numbered

    @staticmethod
    def _close(stems, near):
        """Whether the query has the words of a phrase within a few words of each other
        ("expiry of the token" is "expired token"; stems with no positions count as near)."""
        spots = [sorted(near[stem]) for stem in stems if near.get(stem)]
        if len(spots) < 2:
            return True
        room = len(stems) + 2
        return any(
            all(any(start <= p < start + room for p in spot) for spot in spots)
            for start in {p for spot in spots for p in spot}
        )

    def _current_first(self, final, matched, named, phrase):
        """A vendor's, historic or obsolete code the query does not name never outranks a
        code of today that matched as much of the query about as well (half its score or
        more: a word in passing is not the same symptom): a reader with a symptom wants
        the code a server sends today ("rate limited": 429 before Twitter's 420).

        As well means with as long a curated phrase, when the query covers one of two
        words or more: "failed to fetch" is code 0's, not 401's that has both words
        apart (``phrase``: how many words the longest name or keyword covered has)."""
        current = sorted(
            ((matched[i], score, i) for i, score in final.items() if _current(self.entries[i])),
            reverse=True,
        )
        for i, score in final.items():
            if i in named or _current(self.entries[i]):
                continue
            longest = phrase.get(i, 0) if phrase.get(i, 0) >= 2 else 0
            rivals = [
                other
                for share, other, j in current
                if share >= matched[i] - 1e-9
                and other >= score * SAME_SYMPTOM
                and phrase.get(j, 0) >= longest
            ]
            if rivals and max(rivals) <= score:
                final[i] = max(rivals) * 0.999

    @staticmethod
    def _set_aside(tokens, code_at):
        """The entries of the codes the query names (``code_at``: token position to entry)
        that it sets aside for another it names."""
        aside = set()
        for at in code_at:
            start = at
            while start and tokens[start - 1] in BEFORE_A_CODE:
                start -= 1
            before = tuple(tokens[max(0, start - 2) : start])
            earlier = [p for p in code_at if p < at and code_at[p] != code_at[at]]
            if earlier and (before in INSTEAD or before[-1:] in INSTEAD):
                first = max(earlier)
                reported = REPORTED.intersection(tokens[:first])
                aside.add(at if not reported else first)
            elif earlier:
                expected = before in EXPECTED or before[-1:] in EXPECTED
                changed = before[-1:] == ("to",) and CHANGED.intersection(tokens[: max(earlier)])
                if expected or changed:
                    aside.update(earlier)
        return {code_at[at] for at in aside} - {code_at[at] for at in code_at if at not in aside}

    def search(self, query):
        classes = {query.class_slug[0]} if query.class_slug else set()
        tokens, not_codes, methods, places = self.query_words(query.text)
        exact, prefixes, words, asked, zero = [], [], [], False, False
        code_at = {}
        for at, token in enumerate(tokens):
            if CLASS_TOKEN.match(token):
                classes.add(token[0])
                continue
            asked = True
            if token.isdigit() and len(token) <= 3 and at not in not_codes:
                number = int(token)  # "000" is 0, the "no status" page
                if number in self.position:
                    exact.append(self.position[number])
                    code_at[at] = self.position[number]
                elif len(token) <= 2 and number:
                    prefixes.append(token)
                elif number:
                    words.append(token)  # "443", "599": mentioned in the text
                else:
                    zero = True  # asked for the "no status" page, which this data lacks
            else:
                words.append(token)
        allowed = range(len(self.entries))
        if classes:
            allowed = {i for i in allowed if str(self.entries[i].code)[0] in classes}
        meaningful = list(dict.fromkeys(w for w in words if w not in NOISE or w in methods))
        if not meaningful and not exact and not prefixes and not zero:
            meaningful = list(dict.fromkeys(words))  # only noise: search for it anyway
        # A code's name written after its number ("403 Forbidden or 401 Unauthorized for
        # unauthenticated users"; 403's keywords have "unauthorized" too) only restates
        # it: the rest of the query decides.
        restated = set()
        for at, i in code_at.items():
            own = {_stem(word) for name in _names(self.entries[i]) for word in _words(name)}
            for token in tokens[at + 1 :]:
                if token not in NOISE and _stem(token) not in own:
                    break
                restated.add(token)
        meaningful = [word for word in meaningful if word not in restated]
        if len(meaningful) > MAX_WORDS:
            rarest = sorted(meaningful, key=lambda w: -(self.idf(_stem(w)) or self.rarest))
            kept = set(rarest[:MAX_WORDS])
            meaningful = [word for word in meaningful if word in kept]
        if not meaningful and not exact and not prefixes:
            if asked or (query.text and not tokens):
                return []  # "0" without a "no status" page, or only punctuation
            return [self.entries[i] for i in allowed]  # empty, or only classes

        wanted = len(exact) + len(prefixes)
        share = 1.0
        if meaningful:
            pairs = [
                pair
                for pair in zip(tokens, tokens[1:], strict=False)
                if pair[0] in meaningful or pair[1] in meaningful
            ]
            naming = [token for at, token in enumerate(tokens) if at in code_at]
            where = defaultdict(list)
            for at, token in enumerate(tokens):
                where[token].append(places[at])
            scores, matched, named, phrase, numbered = self.score_words(
                meaningful, pairs, naming + sorted(restated), where
            )
            # The words count as much together as one code number does.
            share = 1 / (wanted + 1)
        else:
            scores, matched, named, phrase, numbered = {}, {}, set(), {}, set()
        # A code named and all the words matching it too ("404 not found"): the words
        # add nothing to look for beyond it.
        # ...unless another code's curated phrase has the number in it.
        explained = any(matched.get(i, 0) >= 1 - 1e-9 for i in exact) and numbered <= set(exact)
        scores = defaultdict(float, scores)
        matched = defaultdict(float, {i: value * share for i, value in matched.items()})
        aside = self._set_aside(tokens, code_at) if len(code_at) > 1 else set()
        for i in exact:
            scores[i] += EXACT_CODE * (SET_ASIDE if i in aside else 1)
            matched[i] += share
        # Of codes named, the words decide by how well they match each, not by how
        # many: "401 vs 403 when the client sends no token" (403 has "all" too).
        most = max((matched[i] for i in exact), default=0)
        for i in exact:
            matched[i] = most
        by_number = set(exact)
        for prefix in prefixes:
            for i, entry in enumerate(self.entries):
                if str(entry.code).startswith(prefix):
                    scores[i] += CODE_PREFIX
                    matched[i] += share
                    by_number.add(i)
        # More of the query's words matched ranks higher; a missing word costs, but
        # does not decide alone.
        final = {
            i: score * math.sqrt(matched[i])
            for i, score in scores.items()
            if i in allowed and score > 0
        }
        self._current_first(final, matched, named.union(exact), phrase)
        # The code a client sees comes just before the internal code behind it, unless
        # the query names that one (by number or by its vendor) or quotes one of its
        # phrases of three words or more ("The plain HTTP request was sent to HTTPS port").
        for i, score in list(final.items()):
            j = self.sent_as.get(i)
            quoted = phrase.get(i, 0) >= 3 or i in named or i in by_number
            if j is not None and j in allowed and not quoted:
                final[j] = max(final.get(j, 0), score * 1.001)
        failures = {
            _stem(token)
            for token, following in zip(tokens, [*tokens[1:], ""], strict=True)
            if (token in FAILURE and following not in ABOUT_THE_CODE)  # not "wrong status code"
            or (token, following) in NOT_THERE
        }
        for i in final if failures else ():
            if self.entries[i].code // 100 == 2 and i not in by_number:
                # ...unless their names and keywords tell of it too (207's partial failure).
                told = any(self.terms[i].weights.get(stem, 0) >= KEYWORD for stem in failures)
                if not told:
                    final[i] *= SUCCESS_IN_FAILURE
        if len(by_number) == 1 and failures and not ASKS_FOR_IT.intersection(tokens):
            (i,) = by_number
            others = sorted((j for j in final if j not in by_number), key=final.get)
            best = others[-1] if others else None
            # A registered one: a vendor's 4xx is no client's mistake ("ASP.NET Core app
            # failed to start" is no Laravel 419). And one the words single out: not one
            # of the codes a framework's name finds ("ASP.NET Core" sends 201, 302, 400…).
            client_error = best is not None and self.entries[best].code // 100 == 4
            client_error = client_error and _current(self.entries[best])
            if client_error and len(others) > 1:
                client_error = final[best] >= final[others[-2]] * SINGLED_OUT
            if i in final and self.entries[i].code in CATCH_ALL and client_error:
                final[i] = min(final[i], final[best] * 0.999)
        ranked = []
        for i, score in final.items():
            entry = self.entries[i]
            ranked.append((-round(score, 6), not _current(entry), entry.code, entry))
        ranked.sort(key=lambda row: row[:3])
        # Far below the best is noise: "not" somewhere in a description, for "not found".
        # The codes a query names come first and stay; what the rest of its words find
        # is measured against the best those words found, so "500 when the upstream times
        # out" still offers 504 after 500.
        by_words = [row[0] for row in ranked if self.position[row[2]] not in by_number]
        if explained:
            by_words = [row[0] for row in ranked[:1]]
        floor = min(by_words) * NOISE_FLOOR if by_words else 0
        found = [row[3] for row in ranked if row[0] <= floor or self.position[row[2]] in by_number]
        return self._rival_in_view(found, final)

    def _rival_in_view(self, found, final):
        """The codes readers confuse with the first result stay in view: when a query
        matches one side of a comparison (400 or 422, 401 or 403), the best-matching
        other side of the same class is within the first three."""
        if len(found) < 2:
            return found
        first = found[0].code
        rivals = {
            code
            for comparison in compare.including(first)
            for code in comparison.codes
            if code // 100 == first // 100 and code != first
        }
        if rivals & {entry.code for entry in found[:3]}:
            return found
        candidates = [
            (final[self.position[e.code]], n) for n, e in enumerate(found) if e.code in rivals
        ]
        if not candidates:
            return found
        _, n = max(candidates)
        return [*found[:2], found[n], *(e for at, e in enumerate(found[2:], 2) if at != n)]
