# The Celery app is loaded with Django, so that jobs enqueued by the web process use it.
from .celery import app as celery_app

__all__ = ("celery_app",)
