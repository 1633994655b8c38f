"""Who is signing in, and how many wrong passwords they get (django-axes' callables).

The client's address is the peer's, unless the peer is one of our own reverse
proxies (``DJANGO_TRUSTED_PROXIES``): then it is the address that proxy reports
in X-Forwarded-For. A header from anyone else is ignored, so nobody can pick
the address they are throttled under.
"""

import ipaddress
from datetime import timedelta

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


def _address(text):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address):
    return address is not None and any(
        address in ipaddress.ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES
    )


def trusted_peer(request):
    """Whether the request came straight from one of our own reverse proxies."""
    return bool(settings.TRUSTED_PROXIES) and _trusted(
        _address(request.META.get("REMOTE_ADDR", ""))
    )


def client_ip(request):
    """The address of the client, seen through our trusted proxies and no one else's."""
    client = request.META.get("REMOTE_ADDR", "")
    if not trusted_peer(request):
        return client
    # Walk back from the hop nearest to us: each trusted proxy vouches for the
    # hop before it; the first one that is not ours is the client.
    for hop in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(hop)
        if address is None:
            break
        client = str(address)
        if not _trusted(address):
            break
    return client


def failure_limit(request, credentials):
    """Failures allowed for this username from this address: 0 once the address is spent.

    django-axes counts failures per username and address (so a stranger cannot
    lock an editor out); an address that has failed too often across all the
    usernames it tried (password spraying) is refused for every username.
    """
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(hours=settings.AXES_COOLOFF_TIME)
    failures = AccessAttempt.objects.filter(
        ip_address=getattr(request, "axes_ip_address", None) or client_ip(request),
        attempt_time__gte=since,
    ).aggregate(total=Sum("failures_since_start"))["total"]
    if (failures or 0) >= settings.SIGNIN_FAILURES_PER_ADDRESS:
        return 0
    return settings.SIGNIN_FAILURES_PER_USERNAME
