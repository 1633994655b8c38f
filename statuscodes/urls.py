from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from reference import views

admin.site.site_header = "HTTP Status Code Reference — editors"
admin.site.site_title = "Status code editors"
admin.site.site_url = "/"

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("reference.urls")),
]

handler404 = "reference.views.not_found"
