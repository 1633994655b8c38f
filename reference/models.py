"""The status-code entries that editors curate and readers look up."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, router, transaction
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import validators

CLASSES = {
    1: "Informational",
    2: "Success",
    3: "Redirection",
    4: "Client Error",
    5: "Server Error",
}
CLASS_SLUGS = [f"{digit}xx" for digit in CLASSES]


def lines(text):
    """The non-empty lines of a one-item-per-line text field."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def normalise_newlines(value):
    """Browsers post textareas with CRLF line breaks, old Macs with CR: store \\n only."""
    if isinstance(value, str):
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def validate_single_line(value):
    if isinstance(value, str) and any(c in value for c in "\r\n\v\f\x85\u2028\u2029"):
        raise ValidationError("This field is one line: remove the line break.", code="line_break")


class TextFormField(forms.CharField):
    """A textarea's value as the editor meant it: \\n line breaks, nothing stripped.

    Not stripping keeps a form round trip byte-identical (an example response may
    end with a newline), so an untouched field never counts as changed.
    """

    def __init__(self, *, strip=False, **kwargs):
        super().__init__(strip=strip, **kwargs)

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))


def _with_limit(field, kwargs):
    """The form field's help text, followed by the limit: the editor sees it before saving."""
    limit = f"At most {field.max_length:,} characters."
    help_text = f"{field.help_text} {limit}" if field.help_text else limit
    return {**kwargs, "help_text": help_text}


class Text(models.TextField):
    """Multi-line text stored with \\n line breaks, whoever writes it, up to a limit.

    Normalised on every path into the database: forms and full_clean (to_python),
    save() (pre_save) and fixtures loaded raw (get_prep_value). Migrations see a
    plain TextField: the column is the same. The limit (``max_length``, counted
    after line breaks are normalised) is checked by forms and ``full_clean``:
    what is searched and rendered stays the size of its purpose.
    """

    def __init__(self, *args, max_length, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        # A TextField's max_length is only a widget attribute in Django: check it.
        self.validators.append(MaxLengthValidator(max_length))

    def to_python(self, value):
        return normalise_newlines(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = normalise_newlines(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value):
        return normalise_newlines(super().get_prep_value(value))

    def formfield(self, **kwargs):
        return super().formfield(**{**_with_limit(self, kwargs), "form_class": TextFormField})

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


class Line(models.CharField):
    """A single line (a phrase, a name): a line break in it is a validation error."""

    default_validators = [validate_single_line]

    def formfield(self, **kwargs):
        return super().formfield(**_with_limit(self, kwargs))

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs


def _limit(name):
    return StatusCode._meta.get_field(name).max_length


class StaleEdit(Exception):
    """A save made from an older version of the entry than the one now stored."""


def validate_code(value):
    """A status code is three digits, 100–599 in RFC 9110; servers send a few above (600–999,
    never official: ``StatusCode.clean``); 0 is the one page for "no status"."""
    if value != 0 and not 100 <= value <= 999:
        raise ValidationError(
            "%(value)s is not a status code: codes are three digits, 100–599 in RFC 9110 "
            "(600–999 for codes servers send outside it; 0 is the “no status” page).",
            params={"value": value},
            code="code_out_of_range",
        )


# Vendors and meanings are versioned too: who changed what, reverts, and a code's
# revert restores the meanings it had then.
_vendor_history = HistoricalRecords()
_meaning_history = HistoricalRecords()


class Vendor(models.Model):
    """Who sends unofficial codes or gives registered ones a meaning of their own."""

    slug = models.SlugField(primary_key=True, max_length=50)
    name = Line(max_length=100)
    url = models.URLField("documentation", blank=True, validators=[validators.validate_http_url])
    about = Text(
        blank=True,
        max_length=3000,
        help_text="Facts that hold for all of this vendor's codes, stated once "
        "(e.g. Cloudflare's CF-RAY header). Blank lines separate paragraphs.",
    )

    history = _vendor_history

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        keep_the_stored_state(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        keep_the_stored_state(self)
        return super().delete(*args, **kwargs)


def keep_the_stored_state(instance):
    """Before the first recorded change of a row loaded without history, record it as stored.

    Fixtures load raw, so a vendor or meaning has no history until an editor
    changes it; without this its first record would be the changed text, and
    what it said before (and that it existed at all) would be lost to reverts.
    The record is dated when the data was loaded (the earliest entry's
    ``created``): that is when it came to be as it is.
    """
    model = type(instance)
    if instance._state.adding or instance.pk is None or instance.history.exists():
        return
    stored = model._base_manager.filter(pk=instance.pk).first()
    if stored is None:
        return
    loaded = StatusCode.objects.order_by("created").values_list("created", flat=True).first()
    stored._history_date = loaded or timezone.now()
    stored._history_user = None
    stored._change_reason = "As loaded (before the first change made here)"
    RECORDS[model].create_historical_record(stored, "+")


class EntryHistory(HistoricalRecords):
    """django-simple-history, minus records of half-loaded fixtures.

    Fixtures save entries raw (no history) and then set their related codes,
    some deferred until the codes they point to exist: recording those would
    list versions that never were. An entry's history starts with its first
    save (StatusCode.save records the stored text first).
    """

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if getattr(instance, self.manager_name).exists():
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)


# Every save of an entry kept (who, when, every field and the related codes), for
# the admin's diff and restore; named here too, to record the stored text.
_history = EntryHistory(m2m_fields=["related"])


class StatusCodeQuerySet(models.QuerySet):
    def in_class(self, digit):
        return self.filter(code__gte=digit * 100, code__lt=digit * 100 + 100)


class StatusCode(models.Model):
    # The code is the natural key: fixtures, URLs and related codes all speak in numbers.
    code = models.PositiveSmallIntegerField(
        primary_key=True,
        validators=[validate_code],
        help_text="Three digits, 100–599 (600–999 for unofficial codes outside RFC 9110's "
        "range; 0 only for the “no status” page).",
    )
    phrase = Line("reason phrase", max_length=100, help_text="Exactly as in the IANA registry.")
    former_names = Text(
        blank=True,
        max_length=500,
        help_text="Former or alternative names, one per line. Searchable.",
    )
    summary = Line(max_length=200, help_text="The answer in one line.")
    description = Text(max_length=4000, help_text="Plain text; blank lines separate paragraphs.")
    use_cases = Text(max_length=1500, help_text="One use case per line.")
    example_request = Text(max_length=2000, help_text="Raw HTTP request.")
    example_response = Text(max_length=4000, help_text="Raw HTTP response.")
    headers = Text(
        blank=True,
        max_length=1500,
        validators=[validators.validate_header_lines],
        help_text='Headers that matter, one per line: "Name: why it matters".',
    )
    related = models.ManyToManyField("self", symmetrical=False, blank=True)
    cacheable = models.BooleanField(
        "heuristically cacheable",
        default=False,
        help_text="Cacheable by default without explicit freshness (RFC 9110 §15.1).",
    )
    spec_title = Line("specification", max_length=120)
    spec_url = models.URLField(
        "specification link", blank=True, validators=[validators.validate_http_url]
    )
    official = models.BooleanField(default=True, help_text="Registered with IANA.")
    origin = Line(
        max_length=100, blank=True, help_text="Who uses an unofficial code (nginx, Cloudflare…)."
    )
    keywords = Text(
        blank=True,
        max_length=1000,
        help_text="Comma-separated search synonyms (e.g. rate limit, throttle).",
    )
    common_name = Line(
        max_length=100,
        blank=True,
        help_text="The name developers know, when it differs from the registry's phrase "
        "(418: I'm a teapot). The registry phrase stays visible and searchable.",
    )
    not_sent_reason = Text(
        "why not to send it",
        blank=True,
        max_length=1000,
        help_text="Why a server should not send this code (unused, obsolete, only logged). "
        "When set, pages drop the “send it from your code” snippets and say this instead.",
    )
    vendor = models.ForeignKey(
        Vendor,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="codes",
        help_text="Who sends an unofficial code.",
    )
    sources = Text(
        blank=True,
        max_length=2000,
        validators=[validators.validate_source_lines],
        help_text='Sources, one per line: "Title | https://…" (spec sections, vendor docs).',
    )
    reviewed = models.DateField(
        "last reviewed",
        null=True,
        blank=True,
        validators=[validators.validate_not_in_the_future],
        help_text="When an editor last checked this entry against its sources.",
    )
    # Curated properties the comparison tables ("which one should I use?") are built from.
    # Empty (None) where the question does not apply to the code.
    permanent = models.BooleanField(
        null=True, blank=True, help_text="Is the outcome permanent (301, 308)?"
    )
    keeps_method = models.BooleanField(
        "keeps the method",
        null=True,
        blank=True,
        help_text="Must the client repeat the request with the same method and body (307, 308)?",
    )
    safe_to_retry = models.BooleanField(
        null=True,
        blank=True,
        help_text="May a client retry the same request unchanged (503: yes, later; 400: no)?",
    )
    browser_behaviour = Text(
        "what clients do",
        blank=True,
        max_length=1500,
        help_text="What browsers and common HTTP clients do when they receive it.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)
    # Bumped on every save; the admin refuses a save made from an older version.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = StatusCodeQuerySet.as_manager()
    history = _history

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=0) | models.Q(code__gte=100, code__lte=999),
                name="code_in_range",
            ),
            # RFC 9110 allows 100–599: only those can be registered.
            models.CheckConstraint(
                condition=models.Q(official=False) | models.Q(code__gte=100, code__lte=599),
                name="official_codes_in_rfc_range",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.phrase}"

    def save(self, *args, expected_version=None, **kwargs):
        """Save, counting the version up; with expected_version, only over that version.

        The version is claimed by a conditional UPDATE (``WHERE version = N``) in
        the same transaction as the save, so of two saves made from version N
        exactly one lands and the other raises StaleEdit: the row stays locked
        (PostgreSQL) or the database write-locked (SQLite) until the commit.
        Without expected_version (shell, scripts) the save goes over whatever
        version is stored.
        """
        if self._state.adding:
            return super().save(*args, **kwargs)
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        stored = type(self)._base_manager.using(using).filter(pk=self.pk)
        with transaction.atomic(using=using):
            if expected_version is None:
                expected_version = stored.values_list("version", flat=True).first()
            if expected_version is not None:
                self._keep_the_stored_text(stored)
            if expected_version is not None:
                claimed = stored.filter(version=expected_version).update(
                    version=expected_version + 1
                )
                if claimed != 1:
                    raise StaleEdit(f"{self.pk} was saved after version {expected_version}.")
                self.version = expected_version + 1
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("reference:code", args=[self.code])

    def clean(self):
        """The examples are real HTTP/1.1 (reference.validators); the response shows the code."""
        errors = {}
        if self.official and not 100 <= (self.code or 0) <= 599:
            errors["official"] = ValidationError(
                "RFC 9110 allows only 100–599: a code outside it cannot be registered."
            )
        request = None
        if self.example_request and len(self.example_request) <= _limit("example_request"):
            try:
                request = validators.parse_request(self.example_request)
            except ValidationError as error:
                errors["example_request"] = error
        response = self.example_response or ""
        if request is not None and len(response) <= _limit("example_response"):
            if not response.startswith("HTTP/"):
                # A code that never reaches the wire shows what you meet instead (curl's
                # output, a log line); every other code shows the exchange.
                if not self.not_sent_reason:
                    errors["example_response"] = ValidationError(
                        "Start with the status line (“HTTP/1.1 %(code)s …”). Only a code a "
                        "server should not send (see “why not to send it”) may show a "
                        "transcript instead.",
                        params={"code": self.code},
                    )
            else:
                try:
                    responses = validators.parse_response(response, request)
                except ValidationError as error:
                    errors["example_response"] = error
                else:
                    statuses = [r.status_code for r in responses]
                    body = validators.wire(response).split(b"\r\n\r\n", len(responses))[-1]
                    # Or in the body, where the vendor puts it (a WebDAV multistatus).
                    shown = self.code in statuses or str(self.code).encode() in body
                    if not shown and not self.not_sent_reason:
                        errors["example_response"] = ValidationError(
                            "The example never shows %(code)s: put it on a status line.",
                            params={"code": self.code},
                        )
        if errors:
            raise ValidationError(errors)

    def _keep_the_stored_text(self, stored):
        """Record the stored text first if history lacks it, so any edit can be undone.

        Fixtures load without history, and a shell's queryset.update() bypasses it.
        """
        current = stored.get()
        latest = self.history.first()
        if latest is not None:
            fields = [f.attname for f in _history.fields_included(self)]
            if all(getattr(latest, name) == getattr(current, name) for name in fields) and sorted(
                latest.related.values_list("to_statuscode_id", flat=True)
            ) == sorted(current.related.values_list("code", flat=True)):
                return
        current._history_user = None
        current._change_reason = "As stored before this save (loaded, or changed outside the admin)"
        _history.create_historical_record(current, "+" if latest is None else "~")

    # Code 0 ("no status") belongs to no class: its digit is 0, its slug "none".
    @property
    def class_digit(self):
        return self.code // 100

    @property
    def in_a_class(self):
        """1xx–5xx: 0 and the codes above 599 belong to none."""
        return self.class_digit in CLASSES

    @property
    def class_slug(self):
        if self.in_a_class:
            return f"{self.class_digit}xx"
        return "none" if self.code == 0 else "beyond"

    @property
    def class_label(self):
        """What the index's "Jump to" links say."""
        return self.class_slug if self.in_a_class else self.class_name

    @property
    def class_name(self):
        if self.code == 0:
            return "No status"
        return CLASSES.get(self.class_digit, "Outside RFC 9110's range")

    @property
    def in_rfc_range(self):
        """100–599, the only codes RFC 9110 allows (§15)."""
        return 100 <= self.code <= 599

    @property
    def unused(self):
        return self.phrase == "(Unused)"

    @property
    def former_name_list(self):
        return lines(self.former_names)

    @property
    def phrase_and_names(self):
        return [self.phrase, *self.former_name_list]

    @property
    def use_case_list(self):
        return lines(self.use_cases)

    @property
    def keyword_list(self):
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    @property
    def header_list(self):
        """(name, why) pairs from the "Name: why" lines."""
        pairs = []
        for line in lines(self.headers):
            name, _, why = line.partition(":")
            pairs.append((name.strip(), why.strip()))
        return pairs

    @property
    def paragraphs(self):
        return [p.strip() for p in self.description.split("\n\n") if p.strip()]

    @property
    def display_name(self):
        """The name to show first: the common name where it differs from the registry's."""
        return self.common_name or self.phrase

    @property
    def source_list(self):
        """(title, url) pairs from the "Title | URL" lines."""
        pairs = []
        for line in lines(self.sources):
            title, _, url = line.rpartition("|")
            title, url = title.strip(), url.strip()
            # Only http(s) is a link: text saved before the admin checked it is not.
            pairs.append((title or url, url if validators.HTTP_URL.match(url) else ""))
        return pairs


class Meaning(models.Model):
    """Another meaning a code carries: a vendor's or framework's use of it."""

    code = models.ForeignKey(StatusCode, on_delete=models.CASCADE, related_name="meanings")
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="meanings"
    )
    used_by = Line(
        max_length=100, help_text="Who uses the code this way (Esri ArcGIS, Spring, Laravel…)."
    )
    phrase = Line(max_length=100)
    description = Text("what it means", max_length=1500)
    when = Text("when you meet it", blank=True, max_length=500)
    source_url = models.URLField(
        "source", max_length=300, validators=[validators.validate_http_url]
    )
    order = models.PositiveSmallIntegerField(default=0)

    history = _meaning_history

    class Meta:
        ordering = ["code", "order", "pk"]

    def __str__(self):
        return f"{self.code_id} {self.phrase} ({self.used_by})"

    def save(self, *args, **kwargs):
        keep_the_stored_state(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        keep_the_stored_state(self)
        return super().delete(*args, **kwargs)


class Behaviour(models.Model):
    """What one client or framework does with a code, or sends it for, checked in its source."""

    CLIENT, FRAMEWORK = "client", "framework"
    KINDS = [
        (CLIENT, "Client (what it does on receiving it)"),
        (FRAMEWORK, "Framework or server (when it sends it)"),
    ]

    code = models.ForeignKey(StatusCode, on_delete=models.CASCADE, related_name="behaviours")
    agent = Line(max_length=60, help_text="The client or framework: curl, Go net/http, Django…")
    kind = models.CharField(max_length=10, choices=KINDS)
    version = Line(max_length=30, help_text="The version whose source or documentation was read.")
    behaviour = Text(max_length=400, help_text="What it does, in one or two sentences.")
    source_url = models.URLField(
        "source",
        max_length=300,
        validators=[validators.validate_http_url],
        help_text="Its source code (pinned to a tag or commit where possible) or documentation.",
    )
    reviewed = models.DateField("last reviewed", validators=[validators.validate_not_in_the_future])
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["code", "order", "pk"]

    def __str__(self):
        return f"{self.code_id}: {self.agent} {self.version}"


class DataVersion(models.Model):
    """One row: bumped by the database itself on every write to the curated tables.

    Pages are cached, and each worker keeps the catalogue, under this version, so
    it must change with every write however it is made: the admin, ``save()``,
    ``QuerySet.update()`` (which skips ``auto_now``), deletes, related codes,
    fixtures, data migrations, raw SQL. Triggers on the tables (migration 0004)
    see all of them, and in the writer's transaction, so a reader never sees
    the new version before the data it names.
    """

    number = models.BigIntegerField()
    changed = models.DateTimeField()
    nonce = models.CharField(max_length=16)  # each write's own, so no version is reused

    class Meta:
        db_table = "reference_dataversion"

    def __str__(self):
        return f"data version {self.number} ({self.changed})"


class SearchMiss(models.Model):
    """A search readers made that found nothing, or that they rephrased seconds later.

    One row per normalised query, counts only (reference.searchlog): what editors
    add keywords from.
    """

    query = models.CharField(max_length=200, unique=True)
    no_results = models.PositiveIntegerField("found nothing", default=0)
    refined = models.PositiveIntegerField("rephrased within seconds", default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "search readers could not finish"
        verbose_name_plural = "searches readers could not finish"

    def __str__(self):
        return self.query


class LoadedEntry(models.Model):
    """What ``load_codes`` last wrote for one fixture entry: a digest of the row as stored.

    A row that still has this digest was never written since (by the admin, the
    shell, ``update()`` or SQL), so the next fixture's corrections may replace it;
    any other row was edited, and is kept.
    """

    model = models.CharField(max_length=40)
    key = models.CharField(max_length=100)
    digest = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["model", "key"], name="one_digest_per_row")]

    def __str__(self):
        return f"{self.model} {self.key} as loaded"


# Each versioned model's history, to record a stored state by hand.
RECORDS = {StatusCode: _history, Vendor: _vendor_history, Meaning: _meaning_history}
