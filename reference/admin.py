"""The editors' tool: find an entry fast, write without losing a word."""

from django import forms
from django.contrib import admin
from django.utils.formats import date_format

from .models import StatusCode


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


class StatusCodeForm(forms.ModelForm):
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
            "summary": forms.TextInput(attrs={"size": 100}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version

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
                "Someone else saved this entry (at %(when)s UTC) after you opened it. "
                "Your changes were NOT saved, so nothing of theirs is lost: copy your "
                "text, reload the page to see their version, and apply your edits again.",
                code="stale",
                params={"when": date_format(current[1], "Y-m-d H:i:s")},
            )
        return cleaned


@admin.register(StatusCode)
class StatusCodeAdmin(admin.ModelAdmin):
    form = StatusCodeForm
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
            {"fields": ["code", "phrase", "former_names", "summary", "official", "origin"]},
        ),
        ("Explanation", {"fields": ["description", "use_cases", "headers", "cacheable"]}),
        ("Example", {"fields": ["example_request", "example_response"]}),
        ("References", {"fields": ["spec_title", "spec_url", "related"]}),
        ("Search keywords", {"fields": ["keywords"]}),
        ("History", {"fields": ["created", "updated", "version", "expected_version"]}),
    ]

    @admin.display(description="class", ordering="code")
    def class_label(self, obj):
        return f"{obj.class_slug} {obj.class_name}"

    def get_search_results(self, request, queryset, search_term):
        # A number is a code: "404" means 404, not every text that mentions 404.
        if search_term.strip().isdigit():
            return queryset.filter(code=int(search_term.strip())), False
        return super().get_search_results(request, queryset, search_term)

    def get_readonly_fields(self, request, obj=None):
        # The code is the primary key: changing it would create a second entry.
        if obj is not None:
            return ["code", *self.readonly_fields]
        return self.readonly_fields


# -- Vendors and other meanings (issue 11) ----------------------------------------------------

from django.db import models  # noqa: E402
from django.utils import timezone  # noqa: E402

from .models import Meaning, Vendor  # noqa: E402


class MeaningInline(admin.StackedInline):
    """Other meanings of the code, curated on the code's own page."""

    model = Meaning
    extra = 0
    fields = ["used_by", "vendor", "phrase", "description", "when", "source_url", "order"]
    autocomplete_fields = ["vendor"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


StatusCodeAdmin.inlines = [*StatusCodeAdmin.inlines, MeaningInline]


@admin.register(Vendor)
class VendorAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug", "about"]
    prepopulated_fields = {"slug": ["name"]}
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_readonly_fields(self, request, obj=None):
        # The slug is the primary key and the vendor page's URL.
        return ["slug"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Pages are cached per data version, which follows the codes' timestamps:
        # touch the codes that show this vendor so the edit is visible at once.
        shown = StatusCode.objects.filter(vendor=obj) | StatusCode.objects.filter(
            meanings__vendor=obj
        )
        StatusCode.objects.filter(pk__in=shown.values("pk")).update(updated=timezone.now())
