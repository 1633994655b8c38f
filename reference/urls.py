from django.urls import path

from . import api, tryit, views

app_name = "reference"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:code>/", views.code_detail, name="code"),
    path("api/", api.docs, name="api"),
    path("api/openapi.json", api.openapi, name="api-openapi"),
    path("api/codes/", api.codes, name="api-codes"),
    path("api/codes/<str:code>/", api.code, name="api-code"),
    path("try/<str:code>/", tryit.try_code, name="try"),
    path("compare/", views.compare_index, name="compare-index"),
    path("compare/<str:slug>/", views.comparison, name="compare"),
    path("api/compare/", api.comparisons, name="api-compare-index"),
    path("api/compare/<str:slug>/", api.comparison, name="api-compare"),
]
