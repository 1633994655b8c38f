"""The status-code entries that editors curate and readers look up."""

from django.core.validators import MaxValueValidator, MinValueValidator
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


class StatusCodeQuerySet(models.QuerySet):
    def in_class(self, digit):
        return self.filter(code__gte=digit * 100, code__lt=digit * 100 + 100)


class StatusCode(models.Model):
    # The code is the natural key: fixtures, URLs and related codes all speak in numbers.
    code = models.PositiveSmallIntegerField(
        primary_key=True,
        validators=[MinValueValidator(100), MaxValueValidator(599)],
        help_text="Three digits, 100–599.",
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
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True, db_index=True)
    # Bumped on every save; the admin refuses a save made from an older version.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = StatusCodeQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__gte=100, code__lte=599), name="code_in_range"
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

    @property
    def class_digit(self):
        return self.code // 100

    @property
    def class_slug(self):
        return f"{self.class_digit}xx"

    @property
    def class_name(self):
        return CLASSES[self.class_digit]

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
