"""The editors' tool: find an entry fast, write without losing a word."""

import difflib

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, router, transaction
from django.db.models import Case, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from . import catalogue, search
from .models import Behaviour, Meaning, SearchMiss, StaleEdit, StatusCode, Vendor

# Bookkeeping, not text: a diff between versions leaves them out.
NOT_COMPARED = {"created", "updated", "version"}


class ClassFilter(admin.SimpleListFilter):
    title = "class"
    parameter_name = "class"

    def lookups(self, request, model_admin):
        from .models import CLASSES

        return [(str(digit), f"{digit}xx {name}") for digit, name in CLASSES.items()]

    def queryset(self, request, queryset):
        if self.value() in {"1", "2", "3", "4", "5"}:
            return queryset.in_class(int(self.value()))
        return queryset


class EditorForm(forms.ModelForm):
    """Limits are form errors that keep the text, never a browser's silent cut.

    A ``maxlength`` attribute makes browsers drop the end of a paste without a
    word; without it, too long a text comes back with the error (the field's
    help text names the limit) and every character the editor sent.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.pop("maxlength", None)


class StatusCodeForm(EditorForm):
    # The version the editor started from; a save from an older one is refused
    # instead of silently overwriting a colleague's words.
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    spec_url = forms.URLField(
        label="Specification link", required=False, assume_scheme="https", max_length=200
    )

    class Meta:
        model = StatusCode
        fields = "__all__"  # noqa: DJ007 -- the admin's fieldsets decide what is shown
        widgets = {
            "former_names": forms.Textarea(attrs={"rows": 3}),
            "keywords": forms.Textarea(attrs={"rows": 2}),
            "summary": forms.TextInput(attrs={"class": "vTextField"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.instance._state.adding:
            # The stored version, not the instance's: a restore form's instance is
            # an old version, and the restore goes over the current one.
            self.fields["expected_version"].initial = (
                StatusCode.objects.filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )

    def clean(self):
        cleaned = super().clean()
        if self.instance._state.adding:
            return cleaned
        expected = cleaned.get("expected_version")
        current = (
            StatusCode.objects.filter(pk=self.instance.pk).values_list("version", "updated").first()
        )
        if current and expected != current[0]:
            raise forms.ValidationError(
                "Someone saved this entry (at %(when)s UTC) while you were editing.",
                code="stale",
                params={"when": date_format(current[1], "Y-m-d H:i:s")},
            )
        return cleaned

    def conflict(self):
        """After a refused stale save: [(label, their text, your text)] where they differ.

        The form is then made to expect the version now stored, so saving again
        is a deliberate choice, made with both texts in sight.
        """
        errors = self.non_field_errors().as_data()
        if not any(error.code == "stale" for error in errors):
            return None
        theirs = StatusCode.objects.get(pk=self.instance.pk)
        rows = []
        for name, field in self.fields.items():
            if name == "expected_version":
                continue
            if name == "related":
                stored = " ".join(str(c) for c in theirs.related.values_list("code", flat=True))
                mine = " ".join(str(c.pk) for c in self.cleaned_data.get(name, []))
            else:
                stored = getattr(theirs, name)
                mine = self.cleaned_data.get(name, self[name].value())
            if stored != mine:
                rows.append((capfirst(field.label or name), stored, mine))
        self.data = self.data.copy()
        self.data["expected_version"] = str(theirs.version)
        return rows


def line_diff(before, after):
    """The lines from before to after, for a <pre>: removed in <del>, added in <ins>."""
    shapes = {"- ": "<del>− {}</del>", "+ ": "<ins>+ {}</ins>", "  ": "  {}"}
    return mark_safe(  # noqa: S308 -- each line is escaped by format_html
        "\n".join(
            format_html(shapes[line[:2]], line[2:])
            for line in difflib.ndiff(before.splitlines(), after.splitlines())
            if line[:2] in shapes
        )
    )


def version_diff(record, current):
    """What differs between a historical version and the current entry, field by field."""
    old = record.instance
    changes = []
    for field in StatusCode._meta.concrete_fields:
        if field.name in NOT_COMPARED:
            continue
        before, after = field.value_from_object(old), field.value_from_object(current)
        if before != after:
            changes.append(
                {
                    "label": capfirst(field.verbose_name),
                    "lines": line_diff(
                        "" if before is None else str(before), "" if after is None else str(after)
                    ),
                }
            )

    def listed(meanings):
        return "\n".join(f"{m.phrase} ({m.used_by}): {m.description}" for m in meanings)

    then = sorted(meanings_as_of(current.pk, record.history_date).values(), key=_meaning_order)
    now = sorted(current.meanings.all(), key=_meaning_order)
    if listed(then) != listed(now):
        changes.append({"label": "Other meanings", "lines": line_diff(listed(then), listed(now))})
    before = sorted(row.to_statuscode_id for row in record.related.all())
    after = sorted(current.related.values_list("code", flat=True))
    if before != after:
        changes.append(
            {
                "label": "Related",
                "lines": line_diff(" ".join(map(str, before)), " ".join(map(str, after))),
            }
        )
    return changes


def meanings_as_of(code, when):
    """{pk: Meaning} of a code as they were at ``when`` (rows never changed since loading count)."""
    history = Meaning.history.filter(code_id=code)
    tracked = set(history.values_list("id", flat=True))
    then = {meaning.pk: meaning for meaning in Meaning.history.as_of(when).filter(code_id=code)}
    for meaning in Meaning.objects.filter(code_id=code).exclude(pk__in=tracked):
        then[meaning.pk] = meaning
    return then


def _meaning_order(meaning):
    return (meaning.order, meaning.pk)


def restore_meanings(entry, when):
    """Put a code's meanings back as they were at ``when``: removed, re-added or re-worded."""
    then = meanings_as_of(entry.pk, when)
    for meaning in Meaning.objects.filter(code=entry).exclude(pk__in=then):
        meaning.delete()
    now = {meaning.pk: meaning for meaning in Meaning.objects.filter(code=entry)}
    fields = [field.attname for field in Meaning._meta.concrete_fields]
    for pk, meaning in then.items():
        current = now.get(pk)
        if current is None or any(getattr(current, f) != getattr(meaning, f) for f in fields):
            meaning.code = entry
            meaning._history_user = entry._history_user
            meaning.save()


def _key_or_404(model, object_id):
    """A URL naming a key that cannot exist (``…/statuscode/abc/history/``) is a 404."""
    try:
        return model._meta.pk.to_python(unquote(object_id))
    except ValidationError:
        raise Http404(f"No {model._meta.verbose_name} {object_id[:20]!r}.") from None


class VersionedAdmin(SimpleHistoryAdmin):
    """History and revert, as editors expect them (django-simple-history underneath).

    A URL naming nothing is a 404; reverting needs the right to change (the
    library shows the form to viewers, then saves whatever they post) and is
    recorded as "Reverted to version N" with who did it; the history list names
    the fields each save changed and never links to user pages editors may not open.
    """

    object_history_list_template = "admin/reference/object_history_list.html"

    def history_view(self, request, object_id, extra_context=None):
        _key_or_404(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        key = _key_or_404(self.model, object_id)
        if not str(version_id).isdecimal():
            raise Http404(f"No version {version_id[:20]!r}: versions are numbered.")
        if request.method == "POST" and not self.has_change_permission(request):
            raise PermissionDenied("Reverting needs the right to change entries.")
        record = get_object_or_404(
            self.model.history.model, **{self.model._meta.pk.attname: key, "history_id": version_id}
        )
        request.reverting_to = record
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        record = getattr(request, "reverting_to", None)
        if record is not None:
            obj._change_reason = f"Reverted to the version of {_when(record)}"
        super().save_model(request, obj, form, change)

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(current, excluded_fields=NOT_COMPARED)
                fields = [self.model._meta.get_field(change.field) for change in delta.changes]
                names = [capfirst(field.verbose_name) for field in fields]
                previous.changed_fields = ", ".join(names) or "Nothing (saved unchanged)"
            previous = current


def _show_conflict(context):
    """A refused stale save shows both texts, not "Please correct the error below"."""
    form = context["adminform"].form
    conflict = form.conflict() if form.is_bound else None
    if conflict is not None:
        stale = form.non_field_errors()
        context["errors"] = [error for error in context["errors"] if error is not stale]
        context["conflict"] = conflict
        context["conflict_message"] = stale[0]


def _when(record):
    return date_format(timezone.localtime(record.history_date), "Y-m-d H:i")


@admin.register(StatusCode)
class StatusCodeAdmin(VersionedAdmin):
    form = StatusCodeForm
    object_history_form_template = "admin/reference/statuscode/object_history_form.html"
    list_display = ["code", "phrase", "class_label", "official", "origin", "updated"]
    list_display_links = ["code", "phrase"]
    list_filter = [ClassFilter, "official", "cacheable"]
    search_fields = [
        "phrase",
        "former_names",
        "keywords",
        "summary",
        "description",
        "use_cases",
    ]
    ordering = ["code"]
    list_per_page = 100
    autocomplete_fields = ["related"]
    readonly_fields = ["created", "updated", "version"]
    fieldsets = [
        (
            "Essentials",
            {
                "fields": [
                    "code",
                    "phrase",
                    "common_name",
                    "former_names",
                    "summary",
                    "official",
                    "vendor",
                    "origin",
                ]
            },
        ),
        (
            "Explanation",
            {"fields": ["description", "use_cases", "headers", "cacheable", "not_sent_reason"]},
        ),
        ("Example", {"fields": ["example_request", "example_response"]}),
        (
            "Comparisons (“which one should I use?”)",
            {"fields": ["permanent", "keeps_method", "safe_to_retry", "browser_behaviour"]},
        ),
        ("References", {"fields": ["spec_title", "spec_url", "sources", "reviewed", "related"]}),
        ("Search keywords", {"fields": ["keywords"]}),
        ("History", {"fields": ["created", "updated", "version", "expected_version"]}),
    ]

    @admin.display(description="class", ordering="code")
    def class_label(self, obj):
        return f"{obj.class_slug} {obj.class_name}"

    def _ranked(self, request):
        """The codes the public search finds for the changelist's search, best first (or None).

        Its parser and ranking: "40" finds 400–409, "rate limit" 429 first. Digits
        of any script count as digits ("٤٠٤" is 404).
        """
        if not hasattr(request, "_ranked_codes"):
            term = request.GET.get(SEARCH_VAR, "").strip()
            term = "".join(str(int(c)) if c.isdecimal() else c for c in term)
            request._ranked_codes = None
            if term:
                try:
                    query = search.parse({"q": term})
                except search.QueryTooLong as error:
                    self.message_user(request, str(error), messages.WARNING)
                    request._ranked_codes = []
                else:
                    found = catalogue.current().index.search(query)
                    request._ranked_codes = [entry.code for entry in found]
        return request._ranked_codes

    def get_queryset(self, request):
        # ModelAdmin's, with the rank annotated before anything orders by it.
        queryset = self.model._default_manager.get_queryset()
        codes = self._ranked(request)
        if codes is not None:
            rank = Case(
                *[When(code=code, then=Value(i)) for i, code in enumerate(codes)],
                default=Value(len(codes)),
            )
            queryset = queryset.annotate(search_rank=rank)
        return queryset.order_by(*self.get_ordering(request))

    def get_search_results(self, request, queryset, search_term):
        codes = self._ranked(request)
        if codes is None:
            return queryset, False
        return queryset.filter(code__in=codes), False

    def get_ordering(self, request):
        # The ranking's order, unless the editor sorts by a column.
        return (
            ["search_rank"] if self._ranked(request) is not None else super().get_ordering(request)
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if not add:
            _show_conflict(context)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def render_history_view(self, request, template, context, **kwargs):
        if "adminform" in context:  # a version's page (a revert can be refused too)
            _show_conflict(context)
        return super().render_history_view(request, template, context, **kwargs)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        return self._refusing_stale_saves(
            super().changeform_view, request, object_id, form_url, extra_context
        )

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """A past version beside the current text, with a Revert button.

        A revert is an ordinary save of the old text over the current version,
        with the meanings the code had then: versioned, and refused like any
        save if someone saved in between.
        """
        key = _key_or_404(self.model, object_id)
        context = dict(extra_context or {})
        if str(version_id).isdecimal():
            record = StatusCode.history.filter(code=key, history_id=version_id).first()
            current = StatusCode.objects.filter(pk=key).first()
            if record is not None and current is not None:
                context["diff"] = version_diff(record, current)
        return self._refusing_stale_saves(
            super().history_form_view, request, object_id, version_id, context
        )

    def save_model(self, request, obj, form, change):
        record = getattr(request, "reverting_to", None)
        obj._history_user = request.user
        if record is not None:
            obj._change_reason = f"Reverted to the version of {_when(record)}"
        obj.save(expected_version=form.cleaned_data.get("expected_version") if change else None)
        if record is not None:
            restore_meanings(obj, record.history_date)

    def _refusing_stale_saves(self, view, request, *args):
        using = router.db_for_write(self.model)
        try:
            with transaction.atomic(using=using):
                return view(request, *args)
        except StaleEdit:
            # A colleague's save claimed the version between this form's check and
            # its write, and has committed: answered again, the form's check sees
            # their version and refuses with the usual message, keeping the text.
            with transaction.atomic(using=using):
                return view(request, *args)

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key: changing it would create a second entry.
        if obj is not None:
            return ["code", *self.readonly_fields]
        return self.readonly_fields


# -- Vendors and other meanings ----------------------------------------------------------------


class MeaningInline(admin.StackedInline):
    """Other meanings of the code, curated on the code's own page."""

    model = Meaning
    form = EditorForm
    extra = 0
    max_num = 10  # a code with more meanings than that needs a page of its own
    fields = ["used_by", "vendor", "phrase", "description", "when", "source_url", "order"]
    autocomplete_fields = ["vendor"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class BehaviourInline(admin.StackedInline):
    """What clients do with the code and when frameworks send it, each with its source."""

    model = Behaviour
    form = EditorForm
    extra = 0
    max_num = 30
    fields = ["agent", "kind", "version", "behaviour", "source_url", "reviewed", "order"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    classes = ["collapse"]


StatusCodeAdmin.inlines = [*StatusCodeAdmin.inlines, MeaningInline, BehaviourInline]


@admin.register(Vendor)
class VendorAdmin(VersionedAdmin):
    form = EditorForm
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug", "about"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        # The slug is the primary key and the vendor page's URL.
        return ["slug"] if obj is not None else []

    def get_prepopulated_fields(self, request, obj=None):
        # Only while the slug can be typed: a read-only field cannot be prepopulated
        # (Django's change form raised KeyError on it). Not the prepopulated_fields
        # attribute: django-simple-history's version page reads it as is.
        return {"slug": ["name"]} if obj is None else {}


class KeywordForm(forms.Form):
    code = forms.TypedChoiceField(coerce=int, label="Add it to the keywords of")


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    """What readers searched for and did not find (reference.searchlog), most often first.

    Each row leads to a one-step form: add the query to a code's keywords, which
    the next search finds, and clear it from the list.
    """

    list_display = ["query", "no_results", "refined", "last_seen", "add_keyword"]
    ordering = ["-no_results", "-refined", "-last_seen"]
    search_fields = ["query"]
    list_display_links = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="")
    def add_keyword(self, obj):
        url = reverse("admin:reference_searchmiss_keyword", args=[obj.pk])
        return format_html('<a href="{}">Add as a keyword…</a>', url)

    def get_urls(self):
        keyword = self.admin_site.admin_view(self.keyword_view)
        return [
            path("<int:pk>/keyword/", keyword, name="reference_searchmiss_keyword"),
            *super().get_urls(),
        ]

    def keyword_view(self, request, pk):
        miss = get_object_or_404(SearchMiss, pk=pk)
        if not request.user.has_perm("reference.change_statuscode"):
            raise PermissionDenied
        entries = catalogue.current().codes
        form = KeywordForm(request.POST or None)
        form.fields["code"].choices = [(e.code, f"{e.code} {e.display_name}") for e in entries]
        if request.method == "POST" and form.is_valid():
            entry = StatusCode.objects.get(code=form.cleaned_data["code"])
            keywords = entry.keyword_list
            if miss.query.casefold() not in {word.casefold() for word in keywords}:
                entry.keywords = ", ".join([*keywords, miss.query])
            try:
                entry.full_clean(validate_unique=False, validate_constraints=False)
            except ValidationError as error:
                form.add_error("code", error.message_dict.get("keywords", error.messages))
            else:
                entry._change_reason = f"Keyword “{miss.query}” added from readers' searches"
                entry._history_user = request.user
                entry.save()
                miss.delete()
                link = reverse("admin:reference_statuscode_change", args=[entry.code])
                self.message_user(
                    request,
                    format_html(
                        '“{}” is now a keyword of <a href="{}">{} {}</a>.',
                        miss.query,
                        link,
                        entry.code,
                        entry.display_name,
                    ),
                    messages.SUCCESS,
                )
                return redirect("admin:reference_searchmiss_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": f"Add “{miss.query}” as a keyword",
            "miss": miss,
            "form": form,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/reference/searchmiss_keyword.html", context)
