from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from reference import searchlog, views
from reference.seo import favicon, robots_txt
from reference.sitemaps import SITEMAPS, sitemap_view

admin.site.site_header = "HTTP Status Code Reference — editors"
admin.site.site_title = "Status code editors"
admin.site.site_url = "/"


urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("sitemap.xml", sitemap_view, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", robots_txt, name="robots"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("favicon.ico", favicon),
    path("searches/settled", searchlog.settled, name="search-settled"),
    path("", include("reference.urls")),
]

handler400 = "reference.views.bad_request"
# The page for browsers, plain text for curl (by Accept).
handler404 = "reference.terminal.not_found"
handler500 = "reference.views.server_error"
