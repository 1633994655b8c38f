from django.urls import path, register_converter

from . import api, terminal, tryit, views


class StatusCodeConverter:
    """The one way a URL segment becomes a code, for pages, API and try-it.

    ASCII digits only (``\\d`` would take "٤٠٤", and int() of thousands of
    digits fails); a non-canonical spelling (0404) still matches, and each
    view redirects or refuses it by comparing with the canonical URL.
    """

    regex = "[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(StatusCodeConverter, "code")

app_name = "reference"
urlpatterns = [
    # Browsers get the page, curl plain text (reference/terminal.py): Accept decides.
    path("", terminal.negotiated(views.index, terminal.index), name="index"),
    path("<code:code>/", terminal.negotiated(views.code_detail, terminal.code), name="code"),
    path("<code:code>", terminal.negotiated(terminal.with_slash, terminal.code)),
    path("vendors/", views.vendors, name="vendors"),
    path("vendors/<slug:slug>/", views.vendor, name="vendor"),
    path("api/", views.api_docs, name="api"),
    path("api/openapi.json", api.openapi, name="api-openapi"),
    path("api/codes/", api.codes, name="api-codes"),
    path("api/codes/<code:code>/", api.code, name="api-code"),
    # Anything else there is not a code, and the API says so in JSON.
    path("api/codes/<str:segment>/", api.not_a_code),
    path("try/<code:code>/", tryit.try_code, name="try"),
    path("try/<str:segment>/", tryit.not_a_code),
    path("compare/", views.compare_index, name="compare-index"),
    path("compare/<slug:slug>/", views.comparison, name="compare"),
    path("api/compare/", api.comparisons, name="api-compare-index"),
    path("api/compare/<str:slug>/", api.comparison, name="api-compare"),
    path("explain/", views.explain_response, name="explain"),
    path("api/explain/", api.explain_response, name="api-explain"),
]
