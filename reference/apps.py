from django.apps import AppConfig
from django.db.models.signals import post_migrate

EDITORS_GROUP = "Editors"
EDITOR_PERMISSIONS = [
    "view_statuscode",
    "change_statuscode",
    # Vendors and a code's other meanings are curated text too; a meaning is part of
    # its code's entry, so editors may also add and remove them.
    *["view_vendor", "add_vendor", "change_vendor"],
    *["view_meaning", "add_meaning", "change_meaning", "delete_meaning"],
    *["view_behaviour", "add_behaviour", "change_behaviour", "delete_behaviour"],
    # What readers could not find: editors turn it into keywords, then clear it.
    *["view_searchmiss", "delete_searchmiss"],
]


def create_editors_group(sender, using, **kwargs):
    """The "Editors" group may view and change entries: no deleting, no user admin.

    Run after every migrate (post_migrate comes after Django has created the
    permissions), so a fresh database gets the group without a manual step.
    """
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    permissions = Permission.objects.using(using).filter(
        content_type__app_label="reference", codename__in=EDITOR_PERMISSIONS
    )
    group.permissions.set(permissions)


class ReferenceConfig(AppConfig):
    name = "reference"
    verbose_name = "HTTP status codes"

    def ready(self):
        post_migrate.connect(create_editors_group, sender=self)
