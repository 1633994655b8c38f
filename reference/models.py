"""The status-code entries that editors curate and readers look up."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F
from django.urls import reverse

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


def validate_code(value):
    """A real status code is three digits, 100–599; 0 is the one page for "no status"."""
    if value != 0 and not 100 <= value <= 599:
        raise ValidationError(
            "%(value)s is not a status code: codes are three digits, 100–599 "
            "(0 is reserved for the “no status” page).",
            params={"value": value},
            code="code_out_of_range",
        )


class Vendor(models.Model):
    """Who sends unofficial codes or gives registered ones a meaning of their own."""

    slug = models.SlugField(primary_key=True, max_length=50)
    name = models.CharField(max_length=100)
    url = models.URLField("documentation", blank=True)
    about = models.TextField(
        blank=True,
        help_text="Facts that hold for all of this vendor's codes, stated once "
        "(e.g. Cloudflare's CF-RAY header). Blank lines separate paragraphs.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class StatusCodeQuerySet(models.QuerySet):
    def in_class(self, digit):
        return self.filter(code__gte=digit * 100, code__lt=digit * 100 + 100)


class StatusCode(models.Model):
    # The code is the natural key: fixtures, URLs and related codes all speak in numbers.
    code = models.PositiveSmallIntegerField(
        primary_key=True,
        validators=[validate_code],
        help_text="Three digits, 100–599 (0 only for the “no status” page).",
    )
    phrase = models.CharField(
        "reason phrase", max_length=100, help_text="Exactly as in the IANA registry."
    )
    former_names = models.TextField(
        blank=True, help_text="Former or alternative names, one per line. Searchable."
    )
    summary = models.CharField(max_length=200, help_text="The answer in one line.")
    description = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    use_cases = models.TextField(help_text="One use case per line.")
    example_request = models.TextField(help_text="Raw HTTP request.")
    example_response = models.TextField(help_text="Raw HTTP response.")
    headers = models.TextField(
        blank=True, help_text='Headers that matter, one per line: "Name: why it matters".'
    )
    related = models.ManyToManyField("self", symmetrical=False, blank=True)
    cacheable = models.BooleanField(
        "heuristically cacheable",
        default=False,
        help_text="Cacheable by default without explicit freshness (RFC 9110 §15.1).",
    )
    spec_title = models.CharField("specification", max_length=120)
    spec_url = models.URLField("specification link", blank=True)
    official = models.BooleanField(default=True, help_text="Registered with IANA.")
    origin = models.CharField(
        max_length=100, blank=True, help_text="Who uses an unofficial code (nginx, Cloudflare…)."
    )
    keywords = models.TextField(
        blank=True, help_text="Comma-separated search synonyms (e.g. rate limit, throttle)."
    )
    common_name = models.CharField(
        max_length=100,
        blank=True,
        help_text="The name developers know, when it differs from the registry's phrase "
        "(418: I'm a teapot). The registry phrase stays visible and searchable.",
    )
    not_sent_reason = models.TextField(
        "why not to send it",
        blank=True,
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
    sources = models.TextField(
        blank=True,
        help_text='Sources, one per line: "Title | https://…" (spec sections, vendor docs).',
    )
    reviewed = models.DateField(
        "last reviewed",
        null=True,
        blank=True,
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
    browser_behaviour = models.TextField(
        "what clients do",
        blank=True,
        help_text="What browsers and common HTTP clients do when they receive it.",
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)
    # Bumped on every save; the admin refuses a save made from an older version.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = StatusCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=0) | models.Q(code__gte=100, code__lte=599),
                name="code_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.phrase}"

    def save(self, *args, **kwargs):
        bump = not self._state.adding
        if bump:
            self.version = F("version") + 1
        super().save(*args, **kwargs)
        if bump:
            self.refresh_from_db(fields=["version"])

    def get_absolute_url(self):
        return reverse("reference:code", args=[self.code])

    # Code 0 ("no status") belongs to no class: its digit is 0, its slug "none".
    @property
    def class_digit(self):
        return self.code // 100

    @property
    def class_slug(self):
        return f"{self.class_digit}xx" if self.class_digit in CLASSES else "none"

    @property
    def class_name(self):
        return CLASSES.get(self.class_digit, "No status")

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
            pairs.append((title.strip() or url.strip(), url.strip()))
        return pairs


class Meaning(models.Model):
    """Another meaning a code carries: a vendor's or framework's use of it."""

    code = models.ForeignKey(StatusCode, on_delete=models.CASCADE, related_name="meanings")
    vendor = models.ForeignKey(
        Vendor, null=True, blank=True, on_delete=models.PROTECT, related_name="meanings"
    )
    used_by = models.CharField(
        max_length=100, help_text="Who uses the code this way (Esri ArcGIS, Spring, Laravel…)."
    )
    phrase = models.CharField(max_length=100)
    description = models.TextField("what it means")
    when = models.TextField("when you meet it", blank=True)
    source_url = models.URLField("source", max_length=300)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["code", "order", "pk"]

    def __str__(self):
        return f"{self.code_id} {self.phrase} ({self.used_by})"
