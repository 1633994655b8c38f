from django.urls import path

from . import api, tryit, views

app_name = "reference"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:code>/", views.code_detail, name="code"),
    path("vendors/", views.vendors, name="vendors"),
    path("vendors/<slug:slug>/", views.vendor, name="vendor"),
    path("api/", api.docs, name="api"),
    path("api/openapi.json", api.openapi, name="api-openapi"),
    path("api/codes/", api.codes, name="api-codes"),
    path("api/codes/<str:code>/", api.code, name="api-code"),
    path("try/<str:code>/", tryit.try_code, name="try"),
]
