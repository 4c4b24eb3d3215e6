"""The Celery app (BACKGROUND_WORKER=celery): `celery -A config worker` and `celery -A config
beat` (docs/operations.md). Its settings are the CELERY_* Django settings; its tasks are the
jobs registered in each app's ``tasks`` module (support.jobs)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("config")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
