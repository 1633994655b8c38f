"""A Redis cache that is only ever a cache: when Redis is away, pages are rendered without it,
and what it holds is never trusted.

Django's RedisCache raises on a refused connection, which turns every page into a
500 while Redis restarts. Here a connection error is logged once, counts as a miss
(writes are dropped), and Redis is not asked again for ``RETRY_AFTER`` seconds, so a
dead Redis costs nothing per request. The next successful call logs that it is back.

Django's RedisSerializer unpickles whatever Redis returns, so anyone who can write
to Redis can run code in every worker and replace any page. ``SignedSerializer``
prefixes each entry with an HMAC of its bytes under a key derived from
SECRET_KEY, which every instance shares and Redis never sees; an entry without a
valid one is a cache miss (logged), and is never unpickled.
"""

import functools
import hashlib
import hmac
import logging
import pickle
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

RETRY_AFTER = 1.0  # seconds without asking Redis after a failure


class _Health:
    """Shared by every thread's cache instance in this process, so it logs once."""

    lock = threading.Lock()
    down = False
    retry_at = 0.0


def _or_miss(miss):
    """Wrap a RedisCache method: on a connection error, return ``miss(*args)`` instead."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            if _Health.down and time.monotonic() < _Health.retry_at:
                return miss(*args, **kwargs)
            try:
                result = method(self, *args, **kwargs)
            except (ConnectionError, TimeoutError) as error:
                with _Health.lock:
                    if not _Health.down:
                        logger.error("Redis cache unavailable, serving without it: %s", error)
                    _Health.down = True
                    _Health.retry_at = time.monotonic() + RETRY_AFTER
                return miss(*args, **kwargs)
            if _Health.down:
                with _Health.lock:
                    if _Health.down:
                        _Health.down = False
                        logger.warning("Redis cache is back.")
            return result

        return wrapper

    return decorate


def _none(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _default(key, default=None, version=None):
    return default


def _empty(*args, **kwargs):
    return {}


def _all_failed(data, *args, **kwargs):
    return list(data)  # set_many returns the keys it could not store


def _not_there(key, *args, **kwargs):
    raise ValueError(f"Key '{key}' not found")  # what incr says of a missing key


class SignedSerializer:
    """Pickles signed with HMAC-SHA256: only what an instance of this site wrote is read."""

    DIGEST = hashlib.sha256().digest_size

    def __init__(self):
        self.key = hashlib.sha256(b"statuscodes.cache\0" + settings.SECRET_KEY.encode()).digest()

    def _mac(self, payload):
        return hmac.new(self.key, payload, hashlib.sha256).digest()

    def dumps(self, obj):
        payload = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        return self._mac(payload) + payload

    def loads(self, data):
        if isinstance(data, int):  # what Redis's INCR leaves; we never store one
            data = str(data).encode()
        mac, payload = data[: self.DIGEST], data[self.DIGEST :]
        if not hmac.compare_digest(mac, self._mac(payload)):
            logger.warning("Redis cache: an entry without our signature, ignored (a miss).")
            return None
        return pickle.loads(payload)


class FailSoftRedisCache(RedisCache):
    """RedisCache whose connection errors are cache misses (see the module docstring)."""

    get = _or_miss(_default)(RedisCache.get)
    get_many = _or_miss(_empty)(RedisCache.get_many)
    has_key = _or_miss(_false)(RedisCache.has_key)
    add = _or_miss(_false)(RedisCache.add)
    set = _or_miss(_none)(RedisCache.set)
    set_many = _or_miss(_all_failed)(RedisCache.set_many)
    touch = _or_miss(_false)(RedisCache.touch)
    delete = _or_miss(_false)(RedisCache.delete)
    delete_many = _or_miss(_none)(RedisCache.delete_many)
    incr = _or_miss(_not_there)(RedisCache.incr)
    clear = _or_miss(_false)(RedisCache.clear)
